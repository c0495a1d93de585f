package io.roadseg.ros;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes camera frames from the message types robotics recordings carry them in, without copying the pixels:
 * ROS 2 {@code sensor_msgs/msg/CompressedImage} and {@code sensor_msgs/msg/Image} in CDR (or ROS 1's serialization,
 * as a ROS 1 bag converted to MCAP keeps them), and Foxglove's
 * {@code foxglove.CompressedImage}, {@code foxglove.RawImage} and {@code foxglove.CompressedVideo} in protobuf (and
 * the first and last as ROS 2's {@code foxglove_msgs} in CDR), whose field numbers are looked up by name in the
 * {@code FileDescriptorSet} the recording stores in its schema record (no generated code).
 *
 * <p>One decoder per channel; {@link #decode} fills the reused {@link Frame} and allocates nothing.
 *
 * <p>Threading: one thread.
 */
public final class CameraMessages {
    /** What one message holds: a view into the payload's array, valid until the next decode. */
    public static final class Frame {
        /** True for an encoded image (JPEG, PNG); false for raw pixels ({@link #width} etc. set). */
        public boolean compressed;
        /** Header stamp, nanoseconds since the epoch; 0 when the message has none. */
        public long stampNanos;
        public byte[] array;
        public int frameIdOffset;
        public int frameIdLength;
        /** CompressedImage: format ({@code jpeg}, {@code png}); Image: encoding ({@code rgb8}, …). */
        public int formatOffset;
        public int formatLength;
        public int dataOffset;
        public int dataLength;
        public int width;
        public int height;
        public int step;
        public boolean bigEndian;
        /** One frame's packet of a video stream ({@link #format}: {@code h264}, …), not a picture of its own. */
        public boolean video;

        /** @return the format (compressed) or encoding (raw) as text, for messages to people */
        public String format() {
            return new String(array, formatOffset, formatLength, StandardCharsets.UTF_8);
        }

        public String frameId() {
            return new String(array, frameIdOffset, frameIdLength, StandardCharsets.UTF_8);
        }

        /** @return true when the format/encoding equals {@code s} (ASCII), without allocating */
        public boolean formatIs(String s) {
            if (s.length() != formatLength) {
                return false;
            }
            for (int i = 0; i < formatLength; i++) {
                if (array[formatOffset + i] != s.charAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A message that cannot be decoded as its schema says. */
    public static final class DecodeException extends Exception {
        public DecodeException(String message) {
            super(message);
        }
    }

    private enum Kind {
        ROS_COMPRESSED, ROS_IMAGE, FOXGLOVE_COMPRESSED, FOXGLOVE_RAW, FOXGLOVE_VIDEO, ROS_FOXGLOVE_IMAGE,
        ROS_FOXGLOVE_VIDEO, ROS_FFMPEG_PACKET
    }

    private final Kind kind;
    private boolean ros1;     // ROS 1's serialization (a ROS 1 bag converted to MCAP) rather than CDR
    private final CdrReader cdr = new CdrReader();
    // protobuf field numbers of foxglove.CompressedImage / foxglove.RawImage and google.protobuf.Timestamp
    private int pbWidth = -1;
    private int pbHeight = -1;
    private int pbStep = -1;
    private int pbTimestamp;
    private int pbFrameId;
    private int pbData;
    private int pbFormat;
    private int pbSeconds;
    private int pbNanos;

    private CameraMessages(Kind kind) {
        this.kind = kind;
    }

    /**
     * @param schemaName      the channel's schema name
     * @param schemaEncoding  the schema's encoding ({@code ros2msg}, {@code ros2idl}, {@code protobuf})
     * @param schemaData      the schema record's data (the FileDescriptorSet for protobuf)
     * @param messageEncoding the channel's message encoding ({@code cdr}, {@code protobuf})
     * @return a decoder, or null when this is not a camera type roadseg reads (see {@link #unsupported})
     */
    public static CameraMessages forChannel(String schemaName, String schemaEncoding, byte[] schemaData,
                                            String messageEncoding) throws DecodeException {
        if (RosMessages.rosEncoding(messageEncoding)) {
            String name = RosMessages.ros2Name(schemaName, messageEncoding);
            CameraMessages m = name.equals(RosMessages.COMPRESSED_IMAGE) ? new CameraMessages(Kind.ROS_COMPRESSED)
                    : name.equals(RosMessages.IMAGE) ? new CameraMessages(Kind.ROS_IMAGE)
                    : name.equals(RosMessages.ROS_FOXGLOVE_COMPRESSED_IMAGE) ? new CameraMessages(Kind.ROS_FOXGLOVE_IMAGE)
                    : name.equals(RosMessages.ROS_FOXGLOVE_COMPRESSED_VIDEO) ? new CameraMessages(Kind.ROS_FOXGLOVE_VIDEO)
                    : name.equals(RosMessages.FFMPEG_PACKET) ? new CameraMessages(Kind.ROS_FFMPEG_PACKET)
                    : null;
            if (m != null) {
                m.ros1 = messageEncoding.equals("ros1");
                return m;
            }
        }
        if (messageEncoding.equals("protobuf") && schemaEncoding.equals("protobuf")
                && (schemaName.equals(RosMessages.FOXGLOVE_COMPRESSED_IMAGE)
                || schemaName.equals(RosMessages.FOXGLOVE_RAW_IMAGE)
                || schemaName.equals(RosMessages.FOXGLOVE_COMPRESSED_VIDEO))) {
            CameraMessages m = new CameraMessages(schemaName.equals(RosMessages.FOXGLOVE_RAW_IMAGE) ? Kind.FOXGLOVE_RAW
                    : schemaName.equals(RosMessages.FOXGLOVE_COMPRESSED_VIDEO) ? Kind.FOXGLOVE_VIDEO
                    : Kind.FOXGLOVE_COMPRESSED);
            m.resolveProtobuf(schemaName, schemaData);
            return m;
        }
        return null;
    }

    /** Whether every message of the channel is a video stream's packet (its type says so, not its format field). */
    public boolean videoChannel() {
        return kind == Kind.FOXGLOVE_VIDEO || kind == Kind.ROS_FOXGLOVE_VIDEO || kind == Kind.ROS_FFMPEG_PACKET;
    }

    /** @return true when a channel looks like a camera (an image type), whether or not it can be read */
    public static boolean looksLikeCamera(String schemaName) {
        return RosMessages.CAMERA_TYPES.contains(schemaName)
                || RosMessages.CAMERA_TYPES.contains(RosMessages.ros2Name(schemaName, "ros1")) || schemaName.endsWith("Image")
                || schemaName.endsWith("/Image") || schemaName.endsWith(".RawImage");
    }

    private void resolveProtobuf(String typeName, byte[] data) throws DecodeException {
        Descriptors.Descriptor type = protobufType(typeName, data);
        pbData = field(type, "data", Descriptors.FieldDescriptor.Type.BYTES);
        if (kind == Kind.FOXGLOVE_RAW) {
            // RawImage: the pixels' encoding (ROS's names) and their layout, fixed32 or any varint integer
            pbFormat = field(type, "encoding", Descriptors.FieldDescriptor.Type.STRING);
            pbWidth = integerField(type, "width");
            pbHeight = integerField(type, "height");
            pbStep = integerField(type, "step");
        } else {
            pbFormat = field(type, "format", Descriptors.FieldDescriptor.Type.STRING);
        }
        pbFrameId = optionalField(type, "frame_id");
        Descriptors.FieldDescriptor ts = type.findFieldByName("timestamp");
        if (ts != null && ts.getType() == Descriptors.FieldDescriptor.Type.MESSAGE) {
            pbTimestamp = ts.getNumber();
            pbSeconds = optionalField(ts.getMessageType(), "seconds");
            pbNanos = optionalField(ts.getMessageType(), "nanos");
        }
    }

    /**
     * The message type {@code typeName} as a channel's protobuf schema defines it (a {@code FileDescriptorSet},
     * dependencies included, as protoc's {@code --include_imports} and the Foxglove SDKs write it).
     *
     * @throws DecodeException {@code schema NAME: …} where the set does not parse or does not define the type
     */
    public static Descriptors.Descriptor protobufType(String typeName, byte[] data) throws DecodeException {
        Descriptors.Descriptor type;
        try {
            DescriptorProtos.FileDescriptorSet set = DescriptorProtos.FileDescriptorSet.parseFrom(data);
            Map<String, DescriptorProtos.FileDescriptorProto> protos = new HashMap<>();
            for (DescriptorProtos.FileDescriptorProto p : set.getFileList()) {
                protos.put(p.getName(), p);
            }
            Map<String, Descriptors.FileDescriptor> built = new HashMap<>();
            type = null;
            for (DescriptorProtos.FileDescriptorProto p : set.getFileList()) {
                Descriptors.FileDescriptor f = build(p.getName(), protos, built, 0);
                String pkg = f.getPackage();
                for (Descriptors.Descriptor d : f.getMessageTypes()) {
                    if ((pkg.isEmpty() ? d.getName() : pkg + "." + d.getName()).equals(typeName)) {
                        type = d;
                    }
                }
            }
        } catch (InvalidProtocolBufferException | Descriptors.DescriptorValidationException e) {
            throw new DecodeException("schema " + typeName + ": its protobuf FileDescriptorSet does not parse ("
                    + e.getMessage() + ")");
        }
        if (type == null) {
            throw new DecodeException("schema " + typeName + ": its FileDescriptorSet does not define " + typeName);
        }
        return type;
    }

    private static Descriptors.FileDescriptor build(String name, Map<String, DescriptorProtos.FileDescriptorProto> protos,
                                                    Map<String, Descriptors.FileDescriptor> built, int depth)
            throws Descriptors.DescriptorValidationException, InvalidProtocolBufferException {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        DescriptorProtos.FileDescriptorProto p = protos.get(name);
        if (p == null || depth > 64) {
            throw new InvalidProtocolBufferException("dependency " + name + " missing from the set");
        }
        Descriptors.FileDescriptor[] deps = new Descriptors.FileDescriptor[p.getDependencyCount()];
        for (int i = 0; i < deps.length; i++) {
            deps[i] = build(p.getDependency(i), protos, built, depth + 1);
        }
        Descriptors.FileDescriptor f = Descriptors.FileDescriptor.buildFrom(p, deps);
        built.put(name, f);
        return f;
    }

    private static int field(Descriptors.Descriptor type, String name, Descriptors.FieldDescriptor.Type want)
            throws DecodeException {
        Descriptors.FieldDescriptor f = type.findFieldByName(name);
        if (f == null || f.getType() != want) {
            throw new DecodeException("schema " + type.getFullName() + ": no " + want.name().toLowerCase()
                    + " field '" + name + "'");
        }
        return f.getNumber();
    }

    private static int integerField(Descriptors.Descriptor type, String name) throws DecodeException {
        Descriptors.FieldDescriptor f = type.findFieldByName(name);
        if (f == null || f.isRepeated() || f.getJavaType() != Descriptors.FieldDescriptor.JavaType.INT) {
            throw new DecodeException("schema " + type.getFullName() + ": no integer field '" + name + "'");
        }
        return f.getNumber();
    }

    private static int optionalField(Descriptors.Descriptor type, String name) {
        Descriptors.FieldDescriptor f = type.findFieldByName(name);
        return f == null ? -1 : f.getNumber();
    }

    /** Decodes one message payload into {@code out}. */
    public void decode(byte[] b, int offset, int length, Frame out) throws DecodeException {
        out.array = b;
        out.stampNanos = 0;
        out.frameIdLength = 0;
        out.formatLength = 0;
        out.width = 0;
        out.height = 0;
        out.step = 0;
        out.bigEndian = false;
        out.video = kind == Kind.FOXGLOVE_VIDEO || kind == Kind.ROS_FOXGLOVE_VIDEO || kind == Kind.ROS_FFMPEG_PACKET;
        try {
            switch (kind) {
                case ROS_COMPRESSED -> {
                    rosHeader(b, offset, length, out, true);
                    out.formatOffset = cdr.stringOffset();
                    out.formatLength = cdr.lastLength;
                    out.dataOffset = cdr.bytesOffset();
                    out.dataLength = cdr.lastLength;
                    out.compressed = true;
                    // a CompressedImage whose format names a video codec carries a frame's packet (FFmpeg-based
                    // image transports publish them so)
                    out.video = videoFormat(out);
                }
                case ROS_FFMPEG_PACKET -> {
                    // header, int32 width, int32 height, string encoding (the encoder's name), uint64 pts,
                    // uint8 flags, bool is_bigendian, uint8[] data
                    rosHeader(b, offset, length, out, true);
                    cdr.int32();
                    cdr.int32();
                    out.formatOffset = cdr.stringOffset();
                    out.formatLength = cdr.lastLength;
                    cdr.int64();
                    cdr.uint8();
                    cdr.uint8();
                    out.dataOffset = cdr.bytesOffset();
                    out.dataLength = cdr.lastLength;
                    out.compressed = true;
                }
                case ROS_IMAGE -> {
                    rosHeader(b, offset, length, out, true);
                    out.height = (int) Math.min(Integer.MAX_VALUE, cdr.uint32());
                    out.width = (int) Math.min(Integer.MAX_VALUE, cdr.uint32());
                    out.formatOffset = cdr.stringOffset();
                    out.formatLength = cdr.lastLength;
                    out.bigEndian = cdr.uint8() != 0;
                    out.step = (int) Math.min(Integer.MAX_VALUE, cdr.uint32());
                    out.dataOffset = cdr.bytesOffset();
                    out.dataLength = cdr.lastLength;
                    out.compressed = false;
                }
                case ROS_FOXGLOVE_IMAGE, ROS_FOXGLOVE_VIDEO -> {
                    // foxglove_msgs: builtin_interfaces/Time timestamp, string frame_id (a ROS 2 Header's layout, ROS
                    // 1's without its sequence number), uint8[] data, string format
                    rosHeader(b, offset, length, out, false);
                    out.dataOffset = cdr.bytesOffset();
                    out.dataLength = cdr.lastLength;
                    out.formatOffset = cdr.stringOffset();
                    out.formatLength = cdr.lastLength;
                    out.compressed = true;
                }
                case FOXGLOVE_COMPRESSED, FOXGLOVE_RAW, FOXGLOVE_VIDEO -> protobuf(b, offset, offset + length, out);
            }
        } catch (CdrReader.CdrException e) {
            throw new DecodeException(e.getMessage());
        }
    }

    /** The video codecs' names a CompressedImage's format may carry (FFmpeg's, and Foxglove's for H.265). */
    private static final String[] VIDEO_FORMATS = {"h264", "h265", "hevc", "vp9", "av1"};

    private static boolean videoFormat(Frame f) {
        for (String v : VIDEO_FORMATS) {
            if (f.formatIs(v)) {
                return true;
            }
        }
        return false;
    }

    private void rosHeader(byte[] b, int offset, int length, Frame out, boolean header) throws CdrReader.CdrException {
        cdr.begin(b, offset, length, ros1);
        out.stampNanos = cdr.stamp(header);
        out.frameIdOffset = cdr.stringOffset();
        out.frameIdLength = cdr.lastLength;
    }

    // ------------------------------------------------------------------ protobuf wire format, the fields we need

    private int pos;

    private void protobuf(byte[] b, int start, int end, Frame out) throws DecodeException {
        out.compressed = kind != Kind.FOXGLOVE_RAW;
        out.dataLength = 0;
        pos = start;
        boolean data = false;
        while (pos < end) {
            long key = varint(b, end);
            int number = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (wire == 2) {
                int n = (int) varint(b, end);
                if (n < 0 || pos + n > end) {
                    throw new DecodeException("protobuf field " + number + " runs past the message's end");
                }
                if (number == pbData) {
                    out.dataOffset = pos;
                    out.dataLength = n;
                    data = true;
                } else if (number == pbFormat) {
                    out.formatOffset = pos;
                    out.formatLength = n;
                } else if (number == pbFrameId) {
                    out.frameIdOffset = pos;
                    out.frameIdLength = n;
                } else if (number == pbTimestamp) {
                    out.stampNanos = timestamp(b, pos, pos + n);
                }
                pos += n;
            } else if ((wire == 5 || wire == 0) && (number == pbWidth || number == pbHeight || number == pbStep)) {
                long v = wire == 0 ? varint(b, end) : fixed32(b, end);
                int value = (int) Math.min(Integer.MAX_VALUE, Math.max(0, v));
                if (number == pbWidth) {
                    out.width = value;
                } else if (number == pbHeight) {
                    out.height = value;
                } else {
                    out.step = value;
                }
            } else {
                skip(b, wire, end, number);
            }
        }
        if (!data) {
            out.dataOffset = start;
        }
    }

    private long timestamp(byte[] b, int start, int end) throws DecodeException {
        int saved = pos;
        pos = start;
        long seconds = 0;
        long nanos = 0;
        while (pos < end) {
            long key = varint(b, end);
            int number = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (wire == 0 && number == pbSeconds) {
                seconds = varint(b, end);
            } else if (wire == 0 && number == pbNanos) {
                nanos = (int) varint(b, end);
            } else {
                skip(b, wire, end, number);
            }
        }
        pos = saved;
        return seconds * 1_000_000_000L + nanos;
    }

    private void skip(byte[] b, int wire, int end, int number) throws DecodeException {
        switch (wire) {
            case 0 -> varint(b, end);
            case 1 -> pos += 8;
            case 2 -> pos += (int) varint(b, end);
            case 5 -> pos += 4;
            default -> throw new DecodeException("protobuf field " + number + " has wire type " + wire
                    + ", which is not valid here");
        }
        if (pos > end) {
            throw new DecodeException("protobuf field " + number + " runs past the message's end");
        }
    }

    private long fixed32(byte[] b, int end) throws DecodeException {
        if (pos + 4 > end) {
            throw new DecodeException("protobuf message ends inside a fixed32");
        }
        long v = (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16 | (b[pos + 3] & 0xffL) << 24;
        pos += 4;
        return v;
    }

    private long varint(byte[] b, int end) throws DecodeException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new DecodeException("protobuf message ends inside a varint");
            }
            int x = b[pos++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return v;
            }
        }
        throw new DecodeException("protobuf varint longer than 10 bytes");
    }
}
