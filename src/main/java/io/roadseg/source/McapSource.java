package io.roadseg.source;

import io.roadseg.mcap.McapReader;
import io.roadseg.mcap.Recording;
import io.roadseg.rosbag1.Rosbag1Reader;
import io.roadseg.rosbag2.Rosbag2Reader;
import io.roadseg.ros.CameraInfoMessage;
import io.roadseg.ros.CameraMount;
import io.roadseg.ros.CameraMessages;
import io.roadseg.ros.CdrReader;
import io.roadseg.ros.MotionMessages;
import io.roadseg.ros.RosMessages;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


/**
 * Replays the camera frames of an MCAP recording (ROS 2 bags, ROS 1 bags converted, Foxglove recordings): one camera
 * topic, its messages in log-time order, to BGR pictures ({@link CameraPictures}: JPEG/PNG decoded by OpenCV, raw
 * images converted, a video stream's packets decoded by FFmpeg).
 *
 * <p><b>Topics.</b> With {@code --topic} that topic; without it the file's only camera topic
 * ({@link RosMessages#CAMERA_TYPES}); a
 * file with several, or none, is refused with the list ({@code roadseg info FILE} prints it too).
 *
 * <p><b>Time.</b> Frames are ordered and paced ({@code --pace}) by the messages' log time, the recorder's clock,
 * which every MCAP message has; the presentation time is log time since the first frame. The frame's header stamp
 * (the camera driver's acquisition time; log time when the header's stamp is zero) is handed on as
 * {@link #frameStampNanos()}, so results written to MCAP carry the stamp of the image they belong to, as ROS
 * consumers match them.
 *
 * <p><b>Vehicle motion.</b> Where the file also holds the vehicle's odometry ({@code nav_msgs/msg/Odometry} or
 * {@code geometry_msgs/msg/TwistStamped} in CDR; {@link SourceOptions#motionTopic()}, else of several such topics the
 * first by name, named in
 * {@link SourceInfo#codec()}), each frame carries the curvature the vehicle was driving
 * ({@link #vehicleCurvature}: {@code −angular.z / linear.x}, {@link MotionMessages}) from the last of its messages
 * logged at or before the frame, for {@code --path vehicle}; none where that message is more than
 * {@value VehicleCurvature#STALE_MILLIS} ms older than the frame or the vehicle was slower than
 * {@value VehicleCurvature#MIN_SPEED_MPS} m/s ({@link VehicleCurvature}). A motion message that
 * does not decode is skipped.
 *
 * <p><b>Damage.</b> A message that does not decode (bad CDR, an image codec that fails) is skipped and counted
 * ({@link #corruptFrames()}; the run warns once at its end). A file cut short (a recorder killed mid-write) is
 * replayed up to its last complete record, then {@link #read} fails with where it was cut, so the run finalises its
 * outputs and exits non-zero. A damaged part of the file — a chunk that does not decompress or fails its checksum, a
 * message record that runs past its chunk ({@link io.roadseg.mcap.DamagedParts}) — has its frames skipped and counted
 * as damaged, and the replay goes on past it; at the end {@link #read} fails naming the part and how many of the
 * topic's messages it held, so such a run too finalises its outputs and exits non-zero (a looping replay only warns).
 *
 * <p>Native memory: the pictures' decoding ({@link CameraPictures}: a growing input buffer, the decoded and converted
 * {@code Mat}s, a video decoder, a picture scaled to the source's size), reused and freed by {@link #close()}.
 *
 * <p>Threading: one reader thread.
 */
public final class McapSource implements FrameSource {
    private final Recording reader;
    private final McapReader.Channel channel;
    private final String schemaName;
    private final CameraMessages decoder;
    private final CameraMessages.Frame message = new CameraMessages.Frame();
    private final boolean loop;
    private Recording.Cursor cursor;
    /** The vehicle's motion: its channel and schema (null: none), a cursor on it, one message read ahead. */
    private final McapReader.Channel motionChannel;
    /** The camera's intrinsics as the file states them; null where it does not. */
    private final CameraInfoMessage recordedCamera;
    /** Where the camera sits over the road as the file's static transforms say; null where they do not. */
    private final CameraMount recordedMount;
    private final String motionSchema;
    private Recording.Cursor motion;
    private boolean motionAhead;
    private final CdrReader cdr = new CdrReader();
    private final double[] speedAndYawRate = new double[2];
    private double motionCurvature = Double.NaN;
    private long motionLogTime = Long.MIN_VALUE;
    private double vehicleCurvature = Double.NaN;
    private final SourceInfo info;
    private final long firstLogTime;
    private long loopOffsetNanos;
    private long lastPts = -1;
    private long stampNanos = NO_STAMP;
    private String frameId = "";
    private long corrupt;
    private Mat pendingFirst; // the first frame, decoded by the constructor for its size, until the first read
    private volatile boolean interrupted;

    private final CameraPictures pictures = new CameraPictures();

    private McapSource(String uri, Recording reader, McapReader.Channel channel, CameraMessages decoder,
                       boolean loop, McapReader.Channel motionChannel) throws SourceException, IOException {
        this.reader = reader;
        this.recordedCamera = readCameraInfo(reader, chooseCameraInfo(reader, channel.topic()), channel.topic());
        this.channel = channel;
        this.motionChannel = motionChannel;
        this.motionSchema = motionChannel == null ? null
                : RosMessages.ros2Name(reader.schemaOf(motionChannel).name(), motionChannel.messageEncoding());
        this.motion = motionChannel == null ? null : reader.messages(motionChannel.id());
        this.decoder = decoder;
        this.loop = loop;
        this.schemaName = reader.schemaOf(channel).name();
        this.cursor = reader.messages(channel.id());
        long[] range = reader.timeRange(channel.id());
        firstLogTime = range[0];
        int count = cursor.size();
        // the first decodable frame gives the size
        Mat first = null;
        while (cursor.next()) {
            first = decodeCurrent();
            if (first != null) {
                break;
            }
        }
        if (first == null) {
            first = pictures.drain(); // a video stream's only pictures, held back for reordering
        }
        if (first == null) {
            closeNatives();
            throw new SourceException("input " + uri + ": topic " + channel.topic() + " has no decodable frame"
                    + " among its " + count + " messages" + (lastError == null ? "" : " (" + lastError + ")"));
        }
        pendingFirst = first;
        frameId = pictures.frameId(message); // known before the first read, for sinks made at start-up
        this.recordedMount = readMount(reader, recordedCamera != null && !recordedCamera.frameId().isEmpty()
                ? recordedCamera.frameId() : frameId);
        double fps = count > 1 && range[1] > range[0] ? (count - 1) * 1e9 / (range[1] - range[0]) : 30;
        String what = schemaName + (message.compressed ? " (" + message.format() + ")" : " " + message.format())
                + pictures.sampleNote();
        String container = reader instanceof Rosbag2Reader ? "rosbag2 " : reader instanceof Rosbag1Reader ? "rosbag1 "
                : "mcap ";
        info = new SourceInfo(uri, first.cols(), first.rows(), fps, false, count,
                container + channel.topic() + " " + what
                        + (!(reader instanceof McapReader) ? "" : reader.indexed() ? ", indexed" : ", scanned")
                        + (reader.truncation() != null ? ", cut short" : "")
                        + (motionChannel == null ? "" : ", vehicle motion from " + motionChannel.topic() + " ("
                        + motionSchema + ")")
                        + (recordedCamera == null ? "" : ", camera from " + recordedCamera.topic())
                        + (recordedMount == null ? "" : ", its mount from " + recordedMount.from()),
                !message.video); // pictures each coded on their own, or one video stream's packets
    }

    /**
     * Opens {@code file} — an MCAP file, a ROS 2 bag in rosbag2's SQLite storage (its folder or a {@code .db3}
     * file), or a ROS 1 bag — and picks the camera topic ({@link SourceOptions#topic()} or the only one).
     */
    public static McapSource open(String uri, Path file, SourceOptions options) throws SourceException {
        Recording reader;
        try {
            reader = Rosbag2Reader.isBag(file) ? Rosbag2Reader.open(file)
                    : Rosbag1Reader.isBag(file) ? Rosbag1Reader.open(file) : McapReader.open(file);
        } catch (IOException e) {
            throw new SourceException(e.getMessage().startsWith("input ") ? e.getMessage()
                    : "input " + uri + ": " + e.getMessage());
        }
        try {
            McapReader.Channel chosen = choose(uri, reader, options.topic());
            McapReader.Schema schema = reader.schemaOf(chosen);
            CameraMessages decoder;
            try {
                decoder = CameraMessages.forChannel(schema.name(), schema.encoding(), schema.data(),
                        chosen.messageEncoding());
            } catch (CameraMessages.DecodeException e) {
                throw new SourceException("input " + uri + ": topic " + chosen.topic() + ": " + e.getMessage());
            }
            if (decoder == null) {
                throw new SourceException("input " + uri + ": topic " + chosen.topic() + " is " + schema.name()
                        + " in " + chosen.messageEncoding() + ", which roadseg cannot replay (it reads "
                        + RosMessages.COMPRESSED_IMAGE + " and " + RosMessages.IMAGE + " in cdr or ros1, and "
                        + RosMessages.FOXGLOVE_COMPRESSED_IMAGE + ", " + RosMessages.FOXGLOVE_RAW_IMAGE + " and "
                        + RosMessages.FOXGLOVE_COMPRESSED_VIDEO + " in protobuf, " + RosMessages.ROS_FOXGLOVE_COMPRESSED_IMAGE
                        + ", " + RosMessages.ROS_FOXGLOVE_COMPRESSED_VIDEO + " and " + RosMessages.FFMPEG_PACKET
                        + " in cdr or ros1)");
            }
            return new McapSource(uri, reader, chosen, decoder, options.loop(),
                    chooseMotion(uri, reader, options.motionTopic()));
        } catch (SourceException e) {
            closeQuietly(reader);
            throw e;
        } catch (IOException e) {
            closeQuietly(reader);
            throw new SourceException(e.getMessage());
        }
    }

    /** The channel to replay: {@code topic}, or the only camera channel; otherwise a message with the list. */
    static McapReader.Channel choose(String uri, Recording reader, String topic) throws SourceException {
        List<McapReader.Channel> cameras = new ArrayList<>();
        for (McapReader.Channel c : reader.channels().values()) {
            McapReader.Schema s = reader.schemaOf(c);
            if (s != null && CameraMessages.looksLikeCamera(s.name())) {
                cameras.add(c);
            }
        }
        if (topic != null) {
            for (McapReader.Channel c : reader.channels().values()) {
                if (c.topic().equals(topic)) {
                    McapReader.Schema s = reader.schemaOf(c);
                    if (s == null || !CameraMessages.looksLikeCamera(s.name())) {
                        throw new SourceException("input " + uri + ": topic " + topic + " is "
                                + (s == null ? "schemaless" : s.name()) + ", not a camera image; camera topics: "
                                + list(reader, cameras));
                    }
                    return c;
                }
            }
            throw new SourceException("input " + uri + ": no topic " + topic + "; camera topics: "
                    + list(reader, cameras));
        }
        if (cameras.size() == 1) {
            return cameras.get(0);
        }
        if (cameras.isEmpty()) {
            throw new SourceException("input " + uri + ": no camera topic (" + String.join(", ",
                    RosMessages.CAMERA_TYPES) + ") among its " + reader.channels().size() + " channels"
                    + (reader.channels().isEmpty() ? "" : ": " + list(reader, new ArrayList<>(
                    reader.channels().values()))));
        }
        throw new SourceException("input " + uri + ": " + cameras.size() + " camera topics, choose one with"
                + " --topic: " + list(reader, cameras));
    }

    /**
     * The vehicle-motion channel: {@code topic}, or without it the first motion topic by name; null where the file has
     * none (and none was asked for).
     *
     * @throws SourceException when {@code topic} is not in the file or is not vehicle motion roadseg reads
     */
    static McapReader.Channel chooseMotion(String uri, Recording reader, String topic) throws SourceException {
        List<McapReader.Channel> motions = new ArrayList<>();
        for (McapReader.Channel c : reader.channels().values()) {
            McapReader.Schema s = reader.schemaOf(c);
            if (s != null && MotionMessages.isMotion(s.name(), c.messageEncoding())) {
                motions.add(c);
            }
        }
        motions.sort(java.util.Comparator.comparing(McapReader.Channel::topic));
        if (topic == null) {
            return motions.isEmpty() ? null : motions.get(0);
        }
        for (McapReader.Channel c : reader.channels().values()) {
            if (c.topic().equals(topic)) {
                if (!motions.contains(c)) {
                    McapReader.Schema s = reader.schemaOf(c);
                    throw new SourceException("input " + uri + ": topic " + topic + " is "
                            + (s == null ? "schemaless" : s.name()) + " in " + c.messageEncoding()
                            + ", not vehicle motion (" + MotionMessages.ODOMETRY + " or "
                            + MotionMessages.TWIST_STAMPED + " in cdr or ros1); vehicle-motion topics: "
                            + list(reader, motions));
                }
                return c;
            }
        }
        throw new SourceException("input " + uri + ": no topic " + topic + "; vehicle-motion topics: "
                + list(reader, motions));
    }

    private static String list(Recording reader, List<McapReader.Channel> channels) {
        if (channels.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (McapReader.Channel c : channels) {
            McapReader.Schema s = reader.schemaOf(c);
            b.append(b.length() == 0 ? "" : ", ").append(c.topic()).append(" (")
                    .append(s == null ? "schemaless" : s.name()).append(", ")
                    .append(reader.messageCount(c.id())).append(" messages)");
        }
        return b.toString();
    }

    private String lastError;

    /** Decodes the cursor's message into a BGR {@code Mat} (not yet at the source's size); null when damaged. */
    private Mat decodeCurrent() {
        try {
            decoder.decode(cursor.payloadArray(), cursor.payloadOffset(), cursor.payloadLength(), message);
        } catch (CameraMessages.DecodeException e) {
            return damaged(e.getMessage());
        }
        Mat picture = pictures.decode(message);
        if (picture == null && pictures.pending()) {
            lastError = pictures.lastError(); // held back by a video decoder, not damage (counted if it never comes)
            return null;
        }
        return picture != null ? picture : damaged(pictures.lastError());
    }

    /** Whether a channel's messages are in ROS 1's serialization (a ROS 1 bag converted to MCAP) rather than CDR. */
    private static boolean ros1(McapReader.Channel channel) {
        return "ros1".equals(channel.messageEncoding());
    }

    private Mat damaged(String why) {
        corrupt++;
        lastError = why;
        return null;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer bgr) throws SourceException {
        while (!interrupted) {
            Mat frame;
            if (pendingFirst != null) {
                frame = pendingFirst;
                pendingFirst = null;
            } else {
                try {
                    int skipped = cursor.skipped();
                    boolean more = cursor.next();
                    if (cursor.skipped() != skipped) {
                        String what = reader.damage().toString();
                        String prefix = "input " + reader.file() + ": ";
                        lastError = what.startsWith(prefix) ? what.substring(prefix.length()) : what;
                    }
                    Mat held = more ? null : pictures.drain(); // a video stream's last, reordered pictures
                    if (held != null) {
                        lastPts += Math.round(1e6 / info.fps());
                        return deliver(held, bgr, lastPts);
                    }
                    if (!more) {
                        if (reader.truncation() != null) {
                            throw new SourceException("input " + info.uri() + ": " + (reader instanceof McapReader
                                    ? "MCAP file" : "bag") + " cut short (" + reader.truncation() + "); the "
                                    + cursor.size() + " complete messages of " + channel.topic()
                                    + " before the cut were replayed");
                        }
                        if (!loop && reader.damage().count() > 0) {
                            throw new SourceException(damageReport());
                        }
                        if (!loop) {
                            return END_OF_STREAM;
                        }
                        loopOffsetNanos = lastPts * 1000 + Math.round(1e9 / info.fps());
                        cursor.rewind();
                        pictures.restart(); // a video stream: from its first keyframe again
                        if (motion != null) {
                            motion.rewind();
                            motionAhead = false;
                            motionLogTime = Long.MIN_VALUE;
                        }
                        continue;
                    }
                } catch (IOException e) {
                    throw new SourceException("input " + info.uri() + ": " + e.getMessage());
                }
                frame = decodeCurrent();
            }
            if (frame == null) {
                continue;
            }
            // a frame's time is when its message was logged (for a video stream with B-frames, the later message
            // that released its picture: always forward)
            lastPts = Math.max(lastPts + 1, (cursor.logTime() - firstLogTime + loopOffsetNanos) / 1000);
            return deliver(frame, bgr, lastPts);
        }
        return END_OF_STREAM;
    }

    /** Hands {@code frame} on at {@code pts}, stamped with its own message's header stamp (else its log time). */
    private long deliver(Mat frame, ByteBuffer bgr, long pts) throws SourceException {
        pictures.copyTo(frame, bgr, info.width(), info.height());
        stampNanos = pictures.pictureStamp() != 0 ? pictures.pictureStamp() : cursor.logTime();
        frameId = pictures.frameId(message);
        followMotion(cursor.logTime());
        return pts;
    }

    /** The end of a replay past damaged parts: the first part, how many there were, what the camera's topic lost. */
    private String damageReport() {
        int lost = cursor.skipped();
        String them = reader.damage().count() == 1 ? "it" : "them";
        return reader.damage() + "; " + (lost > 0 ? lost + " of the " + cursor.size() + " messages of "
                + channel.topic() + " were in " + them + " and were skipped, the other " + (cursor.size() - lost)
                + " replayed" : reader.indexed() ? "none of the " + cursor.size() + " messages of " + channel.topic()
                + " was in " + them + "; all replayed" : "the file was read without its index, so what a damaged chunk "
                + "held is not known; the " + cursor.size() + " messages of " + channel.topic() + " read were "
                + "replayed");
    }

    /** Takes the vehicle's motion from the last motion message logged at or before {@code frameLogTime}. */
    private void followMotion(long frameLogTime) throws SourceException {
        if (motion == null) {
            return;
        }
        try {
            while (motionAhead || motion.next()) {
                motionAhead = true;
                if (motion.logTime() > frameLogTime) {
                    break; // held for a later frame
                }
                motionAhead = false;
                try {
                    MotionMessages.read(cdr.begin(motion.payloadArray(), motion.payloadOffset(),
                            motion.payloadLength(), ros1(motionChannel)), motionSchema, speedAndYawRate);
                    motionCurvature = VehicleCurvature.of(speedAndYawRate[0], speedAndYawRate[1]);
                    motionLogTime = motion.logTime();
                } catch (CdrReader.CdrException e) {
                    // a damaged motion message: the last good one stands until it is stale
                }
            }
        } catch (IOException e) {
            throw new SourceException("input " + info.uri() + ": " + e.getMessage());
        }
        vehicleCurvature = motionLogTime != Long.MIN_VALUE && VehicleCurvature.stands(motionLogTime, frameLogTime)
                ? motionCurvature : Double.NaN;
    }

    @Override
    public double vehicleCurvature() {
        return vehicleCurvature;
    }

    @Override
    public CameraInfoMessage recordedCamera() {
        return recordedCamera;
    }

    @Override
    public CameraMount recordedMount() {
        return recordedMount;
    }

    /** The camera frame's mount from every {@code /tf_static} message; null where they do not give one. */
    private CameraMount readMount(Recording reader, String cameraFrame) throws IOException {
        if (cameraFrame == null || cameraFrame.isEmpty()) {
            return null;
        }
        CameraMount.Tree tree = new CameraMount.Tree();
        List<McapReader.Channel> moving = new ArrayList<>();
        for (McapReader.Channel ch : reader.channels().values()) {
            McapReader.Schema s = reader.schemaOf(ch);
            if (s != null && CameraMount.isFoxgloveTransforms(s.name(), ch.messageEncoding())) {
                readFoxgloveTransforms(reader, ch, s, tree);
                continue;
            }
            if (s != null && CameraMount.isTransforms(ch.topic(), s.name(), ch.messageEncoding())) {
                moving.add(ch);
            }
            if (s == null || !CameraMount.isStaticTransforms(ch.topic(), s.name(), ch.messageEncoding())) {
                continue;
            }
            Recording.Cursor c = reader.messages(ch.id());
            while (c.next()) {
                try {
                    tree.read(cdr.begin(c.payloadArray(), c.payloadOffset(), c.payloadLength(), ros1(ch)));
                } catch (CdrReader.CdrException e) {
                    // a damaged message: the others may still reach the camera
                }
            }
        }
        CameraMount mount = tree.size() == 0 ? null : tree.mount(cameraFrame);
        if (mount != null || moving.isEmpty()) {
            return mount;
        }
        // no static transform reaches the camera: /tf's first seconds, as older recordings publish the fixed ones
        // there (a moving camera's first pose would be taken for its mount: the run's line names /tf)
        for (McapReader.Channel ch : moving) {
            Recording.Cursor c = reader.messages(ch.id());
            long first = Long.MIN_VALUE;
            while (c.next()) {
                first = first == Long.MIN_VALUE ? c.logTime() : first;
                if (c.logTime() - first > MOVING_TRANSFORMS_NANOS) {
                    break;
                }
                try {
                    tree.read(cdr.begin(c.payloadArray(), c.payloadOffset(), c.payloadLength(), ros1(ch)),
                            ch.topic());
                } catch (CdrReader.CdrException e) {
                    // a damaged message: the others may still reach the camera
                }
            }
        }
        return tree.size() == 0 ? null : tree.mount(cameraFrame);
    }

    /** How much of /tf is read for a camera's mount where /tf_static has none: its first two seconds. */
    private static final long MOVING_TRANSFORMS_NANOS = 2_000_000_000L;

    /**
     * A Foxglove recording's transforms (on any topic, static and moving ones together): its first
     * {@value #FOXGLOVE_TRANSFORM_MESSAGES} messages, where a recorder puts a vehicle's fixed mounts.
     */
    private static void readFoxgloveTransforms(Recording reader, McapReader.Channel ch, McapReader.Schema s,
                                               CameraMount.Tree tree) throws IOException {
        com.google.protobuf.Descriptors.Descriptor type;
        try {
            type = CameraMessages.protobufType(s.name(), s.data());
        } catch (CameraMessages.DecodeException e) {
            return; // a schema that does not parse: no transforms from it
        }
        Recording.Cursor c = reader.messages(ch.id());
        for (int n = 0; n < FOXGLOVE_TRANSFORM_MESSAGES && c.next(); n++) {
            try {
                tree.read(com.google.protobuf.DynamicMessage.parseFrom(type,
                        com.google.protobuf.CodedInputStream.newInstance(c.payloadArray(), c.payloadOffset(),
                                c.payloadLength())), ch.topic());
            } catch (IOException e) {
                // a damaged message: the others may still reach the camera
            }
        }
    }

    private static final int FOXGLOVE_TRANSFORM_MESSAGES = 256;

    /**
     * The {@code sensor_msgs/msg/CameraInfo} channel of the camera topic: the one in the camera topic's namespace (a
     * driver publishes {@code /cam/front/camera_info} beside {@code /cam/front/image_raw} and its
     * {@code /compressed}), the deepest if several; the file's only one where none is; null where it has none or
     * several unrelated ones.
     */
    static McapReader.Channel chooseCameraInfo(Recording reader, String cameraTopic) {
        List<McapReader.Channel> infos = new ArrayList<>();
        for (McapReader.Channel c : reader.channels().values()) {
            McapReader.Schema s = reader.schemaOf(c);
            if (s != null && CameraInfoMessage.isCameraInfo(s.name(), c.messageEncoding())) {
                infos.add(c);
            }
        }
        int chosen = CameraInfoMessage.choose(infos.stream().map(McapReader.Channel::topic).toList(), cameraTopic);
        return chosen < 0 ? null : infos.get(chosen);
    }

    /**
     * The channel's first CameraInfo message with a usable K, read for the pictures of {@code imageTopic} (raw or
     * rectified, its region and binning: {@link CameraInfoMessage}); null where it has none (or the channel is null).
     */
    private CameraInfoMessage readCameraInfo(Recording reader, McapReader.Channel channel, String imageTopic)
            throws IOException {
        if (channel == null) {
            return null;
        }
        McapReader.Schema schema = reader.schemaOf(channel);
        com.google.protobuf.Descriptors.Descriptor foxglove;
        try {
            foxglove = CameraInfoMessage.foxgloveType(schema.name(), schema.data());
        } catch (CameraMessages.DecodeException e) {
            return null; // a schema that does not parse: no calibration from it
        }
        Recording.Cursor c = reader.messages(channel.id());
        for (int tried = 0; tried < 8 && c.next(); tried++) {
            try {
                CameraInfoMessage m = CameraInfoMessage.read(foxglove, cdr, ros1(channel), c.payloadArray(),
                        c.payloadOffset(), c.payloadLength(), channel.topic(), imageTopic);
                if (m.calibrated()) {
                    return m;
                }
            } catch (CdrReader.CdrException | CameraMessages.DecodeException e) {
                // a damaged message: try the next
            }
        }
        return null;
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
        return corrupt + cursor.skipped() + pictures.lostPackets();
    }

    /** @return the last decode failure, for the end-of-run warning, or null */
    public String lastError() {
        return lastError;
    }

    @Override
    public void interrupt() {
        interrupted = true;
    }

    @Override
    public void close() {
        closeNatives();
        closeQuietly(reader);
    }

    private void closeNatives() {
        pictures.close();
    }

    private static void closeQuietly(Recording r) {
        try {
            r.close();
        } catch (IOException ignored) {
            // read-only file
        }
    }
}
