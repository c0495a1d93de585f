package io.roadseg.source;

import io.roadseg.ros.CameraInfoMessage;
import io.roadseg.ros.CameraMessages;
import io.roadseg.ros.CameraMount;
import io.roadseg.ros.CdrReader;
import io.roadseg.ros.Json;
import io.roadseg.ros.MotionMessages;
import io.roadseg.ros.RosMessages;
import org.bytedeco.opencv.opencv_core.Mat;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ServerHandshake;
import org.java_websocket.protocols.IProtocol;
import org.java_websocket.protocols.Protocol;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;


/**
 * A live camera from a running Foxglove WebSocket server ({@code run ws://HOST:PORT}): {@code foxglove_bridge} on a
 * ROS 2 robot, or any program that serves the {@code foxglove.websocket.v1} protocol — so roadseg runs on a robot's
 * camera without ROS installed beside it. The camera topic is {@code --topic} or the server's only camera channel
 * (the message types an MCAP recording is read in, {@link RosMessages#CAMERA_TYPES}: ROS 2's in CDR, Foxglove's in
 * protobuf with the schema the server advertises), its messages decoded as a recording's ({@link CameraPictures}).
 * The camera's calibration channel beside it ({@code sensor_msgs/msg/CameraInfo} or {@code foxglove.CameraCalibration},
 * chosen by namespace as in a recording) is subscribed to as well and its first message taken for the camera
 * ({@link #recordedCamera()}), as a recording's is; so is {@code /tf_static}, latched, for where the camera sits
 * ({@link #recordedMount()}), and the vehicle's odometry ({@link #vehicleCurvature()}, for {@code --path vehicle}).
 * Where {@code /tf_static} does not reach the camera, the server's moving transforms ({@code /tf}, ROS 1's and ROS 2's
 * {@code TFMessage}, or {@code foxglove.FrameTransform(s)} on any topic) are listened to at start-up for up to two
 * seconds, as a recording's first two seconds of {@code /tf} are read, and the mount taken from them (named
 * {@code /tf} on the run's line: a camera that moves on its mount would be taken at that pose).
 *
 * <p>Live: the newest picture wins. The connection's thread keeps the last message that arrived (buffers swapped, no
 * allocation once they have grown to the largest); {@link #read} takes it, and messages that came in between are
 * skipped (counted in {@link #skippedMessages()}, said at the end). A video stream's packets cannot be skipped — each
 * is coded from the ones before — so for a video topic the connection's thread queues them (up to
 * {@value #VIDEO_QUEUE}), {@link #read} decodes every one in order and hands on the newest picture, skipping the
 * pictures of packets that came while it worked; a queue that overflows drops its oldest packets and the decoder starts
 * again at the next keyframe (the packets before it counted as damaged). A frame's time is its header stamp.
 * No message for {@link SourceOptions#timeout()} is a stall, one line; the server closing the connection normally
 * ends the stream.
 *
 * <p>Threading: one reader thread; the WebSocket client's own thread; {@link #interrupt()} from any thread.
 */
public final class FoxgloveSource implements FrameSource {
    private static final List<String> SUBPROTOCOLS = List.of("foxglove.websocket.v1", "foxglove.sdk.v1");

    private final String uri;
    private final Client client;
    private final String topic;
    private final CameraMessages decoder;
    private final CameraMessages.Frame message = new CameraMessages.Frame();
    private final CameraPictures pictures = new CameraPictures();
    private final long timeoutMillis;
    private final SourceInfo info;
    // the messages from the connection's thread, and the one being decoded: swapped under the lock
    private final Object lock = new Object();
    /** Packets a video topic's queue holds while {@link #read} works: seconds of any camera's stream. */
    static final int VIDEO_QUEUE = 64;
    /** Messages that arrived and are not taken yet, oldest first: a ring of buffers swapped with {@code reading}. */
    private final byte[][] queue = new byte[VIDEO_QUEUE][];
    private final int[] queueLengths = new int[VIDEO_QUEUE];
    private int queueHead;
    private int queued;
    /**
     * How many messages the queue keeps: 1 for pictures (a newer one replaces it: the newest wins),
     * {@link #VIDEO_QUEUE} for a video stream.
     */
    private int queueCapacity = 1;
    /** A video stream's queue overflowed: packets were dropped, the decoder must start again at a keyframe. */
    private boolean queueOverflowed;
    private long arrived;
    private byte[] reading = new byte[1 << 16];
    private int readingLength;
    private long taken;
    private long skipped;
    private Mat pendingFirst;
    private long corrupt;
    private long firstStamp = Long.MIN_VALUE;
    private long stampNanos = NO_STAMP;
    private long lastPts = -1;
    private String frameId = "";
    private volatile boolean interrupted;
    /** The camera's calibration as the server's CameraInfo channel states it; null where it has none. */
    private CameraInfoMessage recordedCamera;
    /** Where the camera sits as the server's /tf_static (else its first /tf) states it; null where they do not. */
    private CameraMount recordedMount;
    /** The curvature the vehicle drives at the frame read last, from the server's odometry; NaN: none. */
    private double vehicleCurvature = Double.NaN;

    private FoxgloveSource(String uri, SourceOptions options) throws SourceException {
        this.uri = uri;
        this.timeoutMillis = Math.max(1, options.timeout().toMillis());
        client = new Client(address(uri), draft());
        try {
            connect(client, uri, timeoutMillis, () -> client.failure, options.caCert());
            FoxgloveChannel camera = client.awaitCamera(options.topic(), timeoutMillis);
            this.topic = camera.topic();
            byte[] schema = camera.schemaBytes();
            try {
                decoder = CameraMessages.forChannel(camera.schemaName(), camera.schemaEncoding(), schema,
                        camera.encoding());
            } catch (CameraMessages.DecodeException e) {
                throw new SourceException("input " + uri + ": topic " + topic + ": " + e.getMessage());
            }
            if (decoder == null) {
                throw new SourceException("input " + uri + ": topic " + topic + " is " + camera.schemaName() + " in "
                        + camera.encoding() + ", which roadseg cannot read (it reads "
                        + String.join(", ", RosMessages.CAMERA_TYPES) + ")");
            }
            FoxgloveChannel calibration = client.calibrationOf(topic);
            FoxgloveChannel transforms = client.staticTransforms();
            FoxgloveChannel motion = client.motion(options.motionTopic());
            if (decoder.videoChannel()) {
                videoStream(); // every packet from the first on
            }
            client.send("{\"op\":\"subscribe\",\"subscriptions\":[{\"id\":1,\"channelId\":" + camera.id() + "}"
                    + (calibration == null ? "" : ",{\"id\":2,\"channelId\":" + calibration.id() + "}")
                    + (transforms == null ? "" : ",{\"id\":3,\"channelId\":" + transforms.id() + "}")
                    + (motion == null ? "" : ",{\"id\":4,\"channelId\":" + motion.id() + "}") + "]}");
            Mat first = null;
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (first == null) {
                if (!next(deadline)) {
                    throw new SourceException("input " + uri + ": topic " + topic + " sent no decodable frame "
                            + (client.closedNormally ? "before the server closed" : "within " + timeoutMillis / 1000.0
                            + " s") + (pictures.lastError() == null ? "" : " (" + pictures.lastError() + ")"));
                }
                first = decodeTaken();
            }
            pendingFirst = first;
            if (message.video) {
                videoStream(); // a CompressedImage whose format names a codec
            }
            frameId = pictures.frameId(message); // known before the first read, for sinks made at start-up
            if (calibration != null) {
                recordedCamera = readCalibration(calibration, Math.min(timeoutMillis, 2000));
            }
            CameraMount.Tree tree = new CameraMount.Tree();
            if (transforms != null) {
                recordedMount = readMount(transforms, Math.min(timeoutMillis, 2000), tree);
            }
            if (recordedMount == null) {
                recordedMount = readMovingMount(client.movingTransforms(), Math.min(timeoutMillis, 2000), tree);
            }
            info = new SourceInfo(uri, first.cols(), first.rows(), 30, true, -1,
                    "foxglove " + topic + " " + camera.schemaName() + " (" + message.format() + ")"
                            + pictures.sampleNote()
                            + (recordedCamera == null ? "" : ", camera from " + recordedCamera.topic())
                            + (recordedMount == null ? "" : ", its mount from " + recordedMount.from())
                            + (motion == null ? "" : ", vehicle motion from " + motion.topic() + " ("
                            + motion.schemaName() + ")"),
                    !message.video); // pictures each coded on their own, or one video stream's packets
        } catch (SourceException | RuntimeException e) {
            client.close();
            pictures.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            pictures.close();
            throw new SourceException("input " + uri + ": interrupted while connecting");
        }
    }

    /**
     * The calibration channel's first message read for the camera topic's pictures ({@link CameraInfoMessage}: a
     * rectified topic's P, a region and binning), waiting up to {@code millis} for it; null where none came with a
     * usable K or it does not parse.
     */
    private CameraInfoMessage readCalibration(FoxgloveChannel channel, long millis) throws InterruptedException {
        byte[] payload = client.awaitCalibration(millis);
        if (payload == null) {
            return null;
        }
        try {
            CameraInfoMessage m = CameraInfoMessage.read(CameraInfoMessage.foxgloveType(channel.schemaName(),
                    channel.schemaBytes()), new CdrReader(), "ros1".equals(channel.encoding()), payload, 0,
                    payload.length, channel.topic(), topic);
            return m.calibrated() ? m : null;
        } catch (CameraMessages.DecodeException | CdrReader.CdrException | IllegalArgumentException e) {
            return null; // a calibration that does not parse: the camera without one, as a recording without
        }
    }

    @Override
    public CameraInfoMessage recordedCamera() {
        return recordedCamera;
    }

    /**
     * The camera's mount from the server's /tf_static (latched: foxglove_bridge sends it on subscription), waiting up
     * to {@code millis} for it; null where none came or it does not reach the camera's frame.
     */
    private CameraMount readMount(FoxgloveChannel channel, long millis, CameraMount.Tree tree)
            throws InterruptedException {
        byte[] payload = client.awaitTransforms(millis);
        if (payload == null) {
            return null;
        }
        try {
            tree.read(new CdrReader().begin(payload, 0, payload.length, "ros1".equals(channel.encoding())));
        } catch (CdrReader.CdrException e) {
            return null;
        }
        String cameraFrame = cameraFrame();
        return cameraFrame.isEmpty() ? null : tree.mount(cameraFrame);
    }

    /** The frame the camera's pictures are in: its CameraInfo's, else its pictures' header's. */
    private String cameraFrame() {
        return recordedCamera != null && !recordedCamera.frameId().isEmpty() ? recordedCamera.frameId() : frameId;
    }

    /**
     * The camera's mount from the server's moving transforms, added to what {@code /tf_static} gave: each channel
     * subscribed to for up to {@code millis}, or until the transforms reach the camera, then let go. Null where they
     * do not reach it (or there are none).
     */
    private CameraMount readMovingMount(List<FoxgloveChannel> channels, long millis, CameraMount.Tree tree)
            throws InterruptedException {
        String cameraFrame = cameraFrame();
        if (channels.isEmpty() || cameraFrame.isEmpty()) {
            return null;
        }
        com.google.protobuf.Descriptors.Descriptor[] types = new com.google.protobuf.Descriptors.Descriptor[
                channels.size()]; // by channel, as the subscription ids; null for a ROS message
        StringBuilder subscribe = new StringBuilder();
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < channels.size(); i++) {
            FoxgloveChannel c = channels.get(i);
            if (CameraMount.isFoxgloveTransforms(c.schemaName(), c.encoding())) {
                try {
                    types[i] = CameraMessages.protobufType(c.schemaName(), c.schemaBytes());
                } catch (CameraMessages.DecodeException | IllegalArgumentException e) {
                    continue; // a schema that does not parse: no transforms from it, not subscribed to
                }
            }
            int id = Client.FIRST_MOVING_TRANSFORMS + i;
            subscribe.append(subscribe.length() == 0 ? "" : ",").append("{\"id\":").append(id)
                    .append(",\"channelId\":").append(c.id()).append('}');
            ids.append(ids.length() == 0 ? "" : ",").append(id);
        }
        if (subscribe.length() == 0) {
            return null;
        }
        client.send("{\"op\":\"subscribe\",\"subscriptions\":[" + subscribe + "]}");
        long deadline = System.currentTimeMillis() + millis;
        CdrReader cdr = new CdrReader();
        CameraMount mount = null;
        try {
            while (mount == null) {
                Client.Transforms next = client.awaitMovingTransforms(deadline);
                if (next == null) {
                    break;
                }
                int i = next.subscription() - Client.FIRST_MOVING_TRANSFORMS;
                FoxgloveChannel c = channels.get(i);
                try {
                    if (types[i] != null) {
                        tree.read(com.google.protobuf.DynamicMessage.parseFrom(types[i], next.payload()),
                                c.topic());
                    } else {
                        tree.read(cdr.begin(next.payload(), 0, next.payload().length, "ros1".equals(c.encoding())),
                                c.topic());
                    }
                } catch (CdrReader.CdrException | com.google.protobuf.InvalidProtocolBufferException e) {
                    continue; // a damaged message: the others may still reach the camera
                }
                mount = tree.mount(cameraFrame);
            }
        } finally {
            client.stopMovingTransforms();
            if (client.isOpen()) {
                client.send("{\"op\":\"unsubscribe\",\"subscriptionIds\":[" + ids + "]}");
            }
        }
        return mount;
    }

    @Override
    public CameraMount recordedMount() {
        return recordedMount;
    }

    /**
     * The curvature the vehicle drives ({@code −angular.z / linear.x} of the server's odometry, {@link MotionMessages})
     * as the last motion message that arrived before the frame was read says; NaN where none did within
     * {@value VehicleCurvature#STALE_MILLIS} ms or the vehicle was slower than {@value VehicleCurvature#MIN_SPEED_MPS}
     * m/s.
     */
    @Override
    public double vehicleCurvature() {
        return vehicleCurvature;
    }

    /** A {@code ws://HOST:PORT} address, or one line saying what it lacks. */
    static URI address(String uri) throws SourceException {
        URI address;
        try {
            address = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new SourceException("input " + uri + ": not a URL (expected ws://HOST:PORT)");
        }
        if (address.getHost() == null || address.getPort() < 0
                || !("ws".equals(address.getScheme()) || "wss".equals(address.getScheme()))) {
            throw new SourceException("input " + uri + ": expected ws://HOST:PORT, e.g. ws://127.0.0.1:8765");
        }
        return address;
    }

    /** The WebSocket handshake offering the protocol's subprotocols (the classic bridge's and the SDK's name). */
    static Draft_6455 draft() {
        List<IProtocol> protocols = new ArrayList<>();
        for (String p : SUBPROTOCOLS) {
            protocols.add(new Protocol(p));
        }
        return new Draft_6455(Collections.emptyList(), protocols);
    }

    /**
     * Connects {@code client} ({@code wss://}: over TLS, trusting {@code caCert} beside the JVM's authorities), or one
     * line saying why it could not.
     */
    static void connect(WebSocketClient client, String uri, long timeoutMillis,
                        java.util.function.Supplier<String> failure, java.nio.file.Path caCert)
            throws SourceException, InterruptedException {
        String why = connectOrWhyNot(client, uri, timeoutMillis, failure, caCert);
        if (why != null) {
            throw new SourceException("input " + uri + ": " + why);
        }
    }

    /**
     * Connects a Foxglove WebSocket client — the source's, {@code info}'s, {@code --publish}'s — to {@code uri}
     * ({@code wss://}: over TLS, trusting {@code caCert} beside the JVM's authorities where given).
     *
     * @return null once connected, else why not in the words a user acts on (an untrusted certificate: what to give)
     * @throws SourceException {@code --ca-cert} given for a {@code ws://} server, or a file that holds no certificate
     */
    public static String connectOrWhyNot(WebSocketClient client, String uri, long timeoutMillis,
                                         java.util.function.Supplier<String> failure, java.nio.file.Path caCert)
            throws SourceException, InterruptedException {
        boolean tls = uri.startsWith("wss:");
        if (caCert != null && !tls) {
            throw new SourceException("--ca-cert " + caCert + ": for a wss:// server only (" + uri + " is not TLS)");
        }
        if (caCert != null) {
            client.setSocketFactory(TlsTrust.socketFactory(caCert));
        }
        long start = System.nanoTime();
        if (client.connectBlocking(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return null;
        }
        boolean closed = System.nanoTime() - start < timeoutMillis * 1_000_000L; // refused or closed, not silent
        String why = failure.get();
        // the client may say the connection closed before its writing thread reports why (a TLS handshake that
        // failed): a moment for the reason
        for (int i = 0; why == null && i < 50; i++) {
            Thread.sleep(10);
            why = failure.get();
        }
        String trust = tls ? TlsTrust.explain(why, caCert) : null;
        return trust != null ? trust : "cannot connect (" + (why != null ? why : closed ? "the connection closed "
                + "before the handshake finished" : "no answer within " + timeoutMillis / 1000.0 + " s") + "); is "
                + "foxglove_bridge running there?";
    }

    /**
     * Closes a Foxglove client — the source's, {@code info}'s, {@code --publish}'s — waiting at most {@code millis}
     * for the server's close handshake; a server that never answered (one that accepts the connection and says
     * nothing) has its socket closed instead of being waited for forever, as {@code closeBlocking} would.
     */
    public static void closeWithin(WebSocketClient client, long millis) {
        client.close();
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (!client.isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!client.isClosed()) {
            client.closeConnection(org.java_websocket.framing.CloseFrame.ABNORMAL_CLOSE, "no answer to the close");
            java.net.Socket socket = client.getSocket();
            if (socket != null) {
                try {
                    socket.close();
                } catch (java.io.IOException ignored) {
                    // closing what never answered: nothing to report
                }
            }
        }
    }

    /** How long a close waits for the server's close handshake. */
    public static final long CLOSE_WAIT_MILLIS = 2000;

    /** Connects to the server, chooses the camera channel and subscribes to it. */
    public static FoxgloveSource open(String uri, SourceOptions options) throws SourceException {
        return new FoxgloveSource(uri, options);
    }

    /**
     * Waits for a message newer than the last one taken, until {@code deadline} ({@link System#nanoTime()}); takes it.
     *
     * @return false where none came (the deadline, the server closing, an interrupt)
     */
    private boolean next(long deadline) throws SourceException {
        synchronized (lock) {
            while (queued == 0) {
                if (interrupted || client.lost != null || client.closedNormally) {
                    if (client.lost != null && !interrupted) {
                        throw new SourceException("stream " + uri + ": " + client.lost + " after " + taken
                                + " messages");
                    }
                    return false;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            byte[] b = reading;
            reading = queue[queueHead];
            queue[queueHead] = b;
            readingLength = queueLengths[queueHead];
            queueHead = queued == 1 ? 0 : (queueHead + 1) % VIDEO_QUEUE;
            queued--;
            taken++;
            if (queueOverflowed) {
                queueOverflowed = false;
                resync = true;
            }
        }
        return true;
    }

    /** From now on every message is queued and decoded in order: the topic is a video stream. */
    private void videoStream() {
        synchronized (lock) {
            queueCapacity = VIDEO_QUEUE;
        }
    }

    /** A video stream's pictures decoded but not handed on, a newer packet waiting (reader thread). */
    private long skippedPictures;
    /** Packets were dropped before the one taken: the video decoder starts again (at the next keyframe). */
    private boolean resync;

    /** Whether more messages wait in the queue (a video stream's packets that came while one was decoded). */
    private boolean moreQueued() {
        synchronized (lock) {
            return queued > 0;
        }
    }

    /** The taken message's picture, or null where it does not decode (counted). */
    private Mat decodeTaken() {
        try {
            decoder.decode(reading, 0, readingLength, message);
        } catch (CameraMessages.DecodeException e) {
            corrupt++;
            return null;
        }
        Mat picture = pictures.decode(message);
        if (picture == null && !pictures.pending()) { // not a picture a video decoder holds back (B-frames)
            corrupt++;
        }
        return picture;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer bgr) throws SourceException {
        while (!interrupted) {
            Mat frame = pendingFirst;
            pendingFirst = null;
            if (frame == null) {
                if (!next(System.nanoTime() + timeoutMillis * 1_000_000L)) {
                    if (interrupted || client.closedNormally) {
                        return END_OF_STREAM;
                    }
                    throw new SourceException("stream " + uri + ": no message on " + topic + " for "
                            + timeoutMillis / 1000.0 + " s (the server stopped sending it)");
                }
                if (resync) {
                    resync = false;
                    pictures.restart(); // packets were dropped: decode again from the next keyframe
                }
                frame = decodeTaken();
                if (frame == null) {
                    continue;
                }
                if (queueCapacity > 1 && moreQueued()) { // a video stream: a newer packet waits
                    skippedPictures++; // a newer packet waits: this picture is skipped, its packet was decoded
                    continue;
                }
            }
            pictures.copyTo(frame, bgr, info.width(), info.height());
            stampNanos = pictures.pictureStamp(); // its own message's, for a picture held back by B-frames too
            if (firstStamp == Long.MIN_VALUE) {
                firstStamp = stampNanos;
            }
            vehicleCurvature = client.curvatureAt(System.nanoTime());
            frameId = pictures.frameId(message);
            long pts = Math.max((stampNanos - firstStamp) / 1000, lastPts + 1);
            lastPts = pts;
            return pts;
        }
        return END_OF_STREAM;
    }

    @Override
    public long frameStampNanos() {
        return stampNanos;
    }

    @Override
    public String frameId() {
        return frameId;
    }

    @Override
    public long corruptFrames() {
        return corrupt + pictures.lostPackets();
    }

    /**
     * @return messages that arrived while an earlier one was still being read, skipped (the newest taken), and a video
     * stream's pictures not handed on (their packets decoded) or packets dropped by an overflowing queue
     */
    public long skippedMessages() {
        synchronized (lock) {
            return skipped + skippedPictures;
        }
    }

    @Override
    public void interrupt() {
        interrupted = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    @Override
    public void close() {
        interrupted = true;
        closeWithin(client, CLOSE_WAIT_MILLIS);
        pictures.close();
    }

    /** The connection: the server's channels, and the camera's messages queued (the newest, or a video's packets). */
    private final class Client extends WebSocketClient {
        private final Map<Long, FoxgloveChannel> channels = new LinkedHashMap<>();
        private long lastAdvertised;
        /** The calibration channel's first message (subscription 2), kept once. */
        private byte[] calibration;
        /** The /tf_static channel's first message (subscription 3), kept once. */
        private byte[] transforms;
        /** The motion channel's schema (subscription 4), its reader and its last reading (connection thread). */
        private volatile String motionSchema; // written (after motionRos1) before subscribing
        private boolean motionRos1;
        private final CdrReader motionCdr = new CdrReader();
        private final double[] speedAndYawRate = new double[2];
        private volatile double motionCurvature = Double.NaN;
        private volatile long motionArrived;
        volatile String failure;
        volatile String lost;
        volatile boolean closedNormally;

        Client(URI uri, Draft_6455 draft) {
            super(uri, draft);
            setConnectionLostTimeout(10);
        }

        /**
         * The camera channel: {@code topic}, or the only camera-like one once the advertisements have settled (a
         * quarter second without a new one).
         */
        FoxgloveChannel awaitCamera(String topic, long timeoutMillis) throws SourceException, InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            synchronized (channels) {
                while (true) {
                    List<FoxgloveChannel> cameras = new ArrayList<>();
                    for (FoxgloveChannel c : channels.values()) {
                        if (topic != null ? c.topic().equals(topic) : CameraMessages.looksLikeCamera(c.schemaName())) {
                            cameras.add(c);
                        }
                    }
                    long now = System.currentTimeMillis();
                    boolean settled = lastAdvertised > 0 && now - lastAdvertised >= 250;
                    if (topic != null && !cameras.isEmpty()) {
                        return cameras.get(0);
                    }
                    if (topic == null && cameras.size() == 1 && settled) {
                        return cameras.get(0);
                    }
                    if (topic == null && cameras.size() > 1 && settled) {
                        throw new SourceException("input " + uri + ": " + cameras.size() + " camera topics, choose "
                                + "one with --topic: " + list(cameras));
                    }
                    if (now >= deadline || lost != null || closedNormally) {
                        throw new SourceException("input " + uri + ": " + (topic != null ? "no topic " + topic
                                : "no camera topic") + " among the server's " + channels.size() + " channels"
                                + (channels.isEmpty() ? "" : ": " + list(new ArrayList<>(channels.values()))));
                    }
                    channels.wait(Math.min(50, Math.max(1, deadline - now)));
                }
            }
        }

        /** The camera topic's calibration channel (CameraInfo, foxglove.CameraCalibration), or null. */
        FoxgloveChannel calibrationOf(String cameraTopic) {
            synchronized (channels) {
                List<FoxgloveChannel> infos = new ArrayList<>();
                for (FoxgloveChannel c : channels.values()) {
                    if (CameraInfoMessage.isCameraInfo(c.schemaName(), c.encoding())) {
                        infos.add(c);
                    }
                }
                int i = CameraInfoMessage.choose(infos.stream().map(FoxgloveChannel::topic).toList(), cameraTopic);
                return i < 0 ? null : infos.get(i);
            }
        }

        /**
         * The vehicle's motion channel ({@code nav_msgs/msg/Odometry} or {@code geometry_msgs/msg/TwistStamped}):
         * {@code topic}, or the first such by name; null where there is none.
         */
        FoxgloveChannel motion(String topic) {
            synchronized (channels) {
                FoxgloveChannel best = null;
                for (FoxgloveChannel c : channels.values()) {
                    if (MotionMessages.isMotion(c.schemaName(), c.encoding()) && (topic == null ? best == null
                            || c.topic().compareTo(best.topic()) < 0 : c.topic().equals(topic))) {
                        best = c;
                    }
                }
                if (best != null) {
                    motionRos1 = "ros1".equals(best.encoding());
                    motionSchema = RosMessages.ros2Name(best.schemaName(), best.encoding());
                }
                return best;
            }
        }

        /** The curvature of the last motion message that arrived up to {@code nanos} ({@link System#nanoTime}). */
        double curvatureAt(long nanos) {
            long at = motionArrived;
            return at != 0 && VehicleCurvature.stands(at, nanos) ? motionCurvature : Double.NaN;
        }

        /** The server's {@code /tf_static} channel ({@code tf2_msgs/msg/TFMessage} in CDR), or null. */
        FoxgloveChannel staticTransforms() {
            synchronized (channels) {
                for (FoxgloveChannel c : channels.values()) {
                    if (CameraMount.isStaticTransforms(c.topic(), c.schemaName(), c.encoding())) {
                        return c;
                    }
                }
                return null;
            }
        }

        /** The first subscription id of the moving transforms' channels (one id each, in their order). */
        static final int FIRST_MOVING_TRANSFORMS = 16;

        /** Moving transforms kept while the mount is looked for: more than two seconds of any robot's /tf. */
        private static final int MAX_MOVING_TRANSFORMS = 4096;

        /** One moving-transforms message: its subscription and its bytes. */
        record Transforms(int subscription, byte[] payload) {
        }

        /** Moving-transforms messages not yet read (connection thread → reader), and whether they are still kept. */
        private final java.util.ArrayDeque<Transforms> movingTransforms = new java.util.ArrayDeque<>();
        private boolean keepMovingTransforms = true;

        /**
         * The server's moving-transform channels: {@code /tf} ({@code TFMessage} in CDR or ROS 1's serialization)
         * and {@code foxglove.FrameTransform(s)} in protobuf on any topic, by topic name.
         */
        List<FoxgloveChannel> movingTransforms() {
            synchronized (channels) {
                List<FoxgloveChannel> list = new ArrayList<>();
                for (FoxgloveChannel c : channels.values()) {
                    if (CameraMount.isTransforms(c.topic(), c.schemaName(), c.encoding())
                            || CameraMount.isFoxgloveTransforms(c.schemaName(), c.encoding())) {
                        list.add(c);
                    }
                }
                list.sort(java.util.Comparator.comparing(FoxgloveChannel::topic));
                return list;
            }
        }

        /** The next moving-transforms message, waiting until {@code deadline} (epoch ms); null where none came. */
        Transforms awaitMovingTransforms(long deadline) throws InterruptedException {
            synchronized (lock) {
                while (movingTransforms.isEmpty() && lost == null && !closedNormally) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        return null;
                    }
                    lock.wait(left);
                }
                return movingTransforms.poll();
            }
        }

        /** No more moving transforms are kept (those still arriving after the unsubscription are dropped). */
        void stopMovingTransforms() {
            synchronized (lock) {
                keepMovingTransforms = false;
                movingTransforms.clear();
            }
        }

        /** The calibration channel's first message, waiting up to {@code millis}; null where none came. */
        byte[] awaitCalibration(long millis) throws InterruptedException {
            return await(2, millis);
        }

        /** The /tf_static channel's first message, waiting up to {@code millis}; null where none came. */
        byte[] awaitTransforms(long millis) throws InterruptedException {
            return await(3, millis);
        }

        private byte[] await(int subscription, long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            synchronized (lock) {
                while ((subscription == 2 ? calibration : transforms) == null && lost == null && !closedNormally) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        break;
                    }
                    lock.wait(left);
                }
                return subscription == 2 ? calibration : transforms;
            }
        }

        private static String list(List<FoxgloveChannel> channels) {
            List<String> names = new ArrayList<>();
            for (FoxgloveChannel c : channels) {
                names.add(c.topic() + " (" + c.schemaName() + ")");
            }
            return String.join(", ", names);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String text) {
            try {
                Map<String, Object> msg = Json.object(Json.parse(text));
                Object op = msg.get("op");
                if ("advertise".equals(op)) {
                    synchronized (channels) {
                        for (FoxgloveChannel c : FoxgloveChannel.advertised(msg)) {
                            channels.put(c.id(), c);
                        }
                        lastAdvertised = System.currentTimeMillis();
                        channels.notifyAll();
                    }
                } else if ("unadvertise".equals(op)) {
                    synchronized (channels) {
                        for (Object o : Json.array(msg.get("channelIds"))) {
                            channels.remove(((Number) o).longValue());
                        }
                    }
                }
            } catch (RuntimeException ignored) {
                // other ops (serverInfo, status, parameters): not needed to subscribe
            }
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
            // opcode 1, message data: subscription id (u32), receive timestamp (u64), payload
            ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() < 13 || b.get(b.position()) != 0x01) {
                return;
            }
            int payload = b.remaining() - 13;
            int subscription = b.getInt(b.position() + 1);
            if (subscription == 4 && motionSchema != null) {
                // the vehicle's motion, read here on arrival: no copy kept
                byte[] array = b.hasArray() ? b.array() : null;
                int offset = array == null ? 0 : b.arrayOffset() + b.position() + 13;
                if (array == null) {
                    array = new byte[payload];
                    b.position(b.position() + 13);
                    b.get(array);
                }
                try {
                    MotionMessages.read(motionCdr.begin(array, offset, payload, motionRos1), motionSchema,
                            speedAndYawRate);
                    motionCurvature = VehicleCurvature.of(speedAndYawRate[0], speedAndYawRate[1]);
                    motionArrived = System.nanoTime();
                } catch (CdrReader.CdrException e) {
                    // a damaged motion message: the last good one stands until it is stale
                }
                return;
            }
            if (subscription >= FIRST_MOVING_TRANSFORMS) {
                synchronized (lock) {
                    if (keepMovingTransforms && movingTransforms.size() < MAX_MOVING_TRANSFORMS) {
                        byte[] kept = new byte[payload]; // at start-up only, until the mount is found
                        b.position(b.position() + 13);
                        b.get(kept);
                        movingTransforms.add(new Transforms(subscription, kept));
                        lock.notifyAll();
                    }
                }
                return;
            }
            if (subscription == 2 || subscription == 3) {
                synchronized (lock) {
                    if ((subscription == 2 ? calibration : transforms) == null) {
                        byte[] kept = new byte[payload]; // once: a calibration and a mount do not change
                        b.position(b.position() + 13);
                        b.get(kept);
                        if (subscription == 2) {
                            calibration = kept;
                        } else {
                            transforms = kept;
                        }
                        lock.notifyAll();
                    }
                }
                return;
            }
            synchronized (lock) {
                if (queued == queueCapacity) { // the oldest goes: a picture replaced, or a video packet dropped
                    queueHead = (queueHead + 1) % VIDEO_QUEUE;
                    queued--;
                    skipped++;
                    queueOverflowed = queueCapacity > 1;
                }
                if (queued == 0) {
                    queueHead = 0; // an empty queue starts at its first slot: pictures use one slot, two buffers
                }
                int slot = (queueHead + queued) % VIDEO_QUEUE;
                if (queue[slot] == null || queue[slot].length < payload) {
                    queue[slot] = new byte[Math.max(payload, queue[slot] == null ? 1 << 16 : 2 * queue[slot].length)];
                }
                b.position(b.position() + 13);
                b.get(queue[slot], 0, payload);
                queueLengths[slot] = payload;
                queued++;
                arrived++;
                lock.notifyAll();
            }
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            if (code == 1000) {
                closedNormally = true;
            } else if (remote || lost == null) {
                lost = "the connection closed (" + code + (reason == null || reason.isEmpty() ? "" : " " + reason)
                        + ")";
            }
            synchronized (lock) {
                lock.notifyAll();
            }
            synchronized (channels) {
                channels.notifyAll();
            }
        }

        @Override
        public void onError(Exception ex) {
            failure = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        }
    }
}
