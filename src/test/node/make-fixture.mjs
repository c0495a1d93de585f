#!/usr/bin/env node
// Writes an MCAP fixture with the official @mcap/core McapWriter (reference side of roadseg's MCAP tests); with
// --rosbag2 the same messages as a ROS 2 bag in rosbag2's SQLite storage, --out its folder (rosbag2-writer.mjs:
// Humble's or Jazzy's schema, split over N .db3 files, message-mode zstd).
//
// node make-fixture.mjs --out FILE [--rosbag2 humble|jazzy [--rosbag2-splits N] [--rosbag2-zstd | --rosbag2-file-zstd] [--rosbag2-page-size B]
//     [--rosbag2-filler N]] [--ros1 --rosbag1 [--rosbag1-compression none|lz4|bz2] [--rosbag1-chunk-size B]]
//     (--rosbag1: a ROS 1 bag, format 2.0, checked by reading it back with @foxglove/rosbag)
//     --encoding ros2-compressed|ros2-image|foxglove|foxglove-raw|foxglove-video|ros2-foxglove-video
//     --compression zstd|lz4|none --index yes|no
//     [--jpegs DIR]            (ros2-compressed, foxglove: every *.jpg in DIR, sorted by name)
//     [--raw DIR]              (ros2-image: every *.bgr in DIR, sorted by name, plus DIR/size.txt "WIDTH HEIGHT")
//     [--packets DIR] [--video-format h264]
//                              (foxglove-video: foxglove.CompressedVideo in protobuf; ros2-foxglove-video:
//                               foxglove_msgs/msg/CompressedVideo in CDR; both schemas as Foxglove's generator
//                               writes them; ros2-ffmpeg-packet: ffmpeg_image_transport_msgs/msg/FFMPEGPacket, its
//                               encoding the video format given (e.g. libx264); ros2-compressed with --packets:
//                               sensor_msgs/msg/CompressedImage whose format is the video format; one message per
//                               file of DIR, sorted by name, its bytes the packet)
//     [--pixel bgr8|rgb8|mono8|bayer_rggb8|bayer_bggr8|bayer_gbrg8|bayer_grbg8|yuv422|uyvy|yuv422_yuy2|yuyv|nv21
//              |bgr16|rgb16|mono16|bayer_*16] [--bits 16] [--big-endian]
//                              (ros2-image and foxglove-raw, default bgr8; rgb8 swaps the B and R bytes of each pixel;
//                               mono8 is OpenCV's grey; the 16-bit encodings are the 8-bit one's samples scaled to
//                               --bits significant bits, low-aligned, in little- or --big-endian order; bayer_*
//                               keeps each pixel's one colour of the mosaic, its pattern's first two rows; the YUV
//                               encodings are ITU-R BT.601 studio range, chroma averaged over each pair of pixels
//                               (nv21: over each 2x2 block, V before U) as sensor_msgs/image_encodings names them)
//     [--topic /camera/front/compressed] [--extra-topic T]
//     [--start-ns 1700000000000000000] [--period-ns 33333333] [--chunk-size 65536] [--stamp-order K0,K1,...]
//     [--motion odometry|twist --speed MPS --yaw-step RADPS [--motion-topic /odom] [--extra-motion-topic T]]
//                              (the vehicle's motion, twice per frame period from the first frame's time on:
//                               nav_msgs/msg/Odometry or geometry_msgs/msg/TwistStamped in CDR, twist.linear.x =
//                               speed, twist.angular.z = yaw-step × the message's index; on the extra topic,
//                               twice that)
//     [--camera-info FX,FY,CX,CY[,D1,D2,...] [--distortion-model plumb_bob] [--camera-info-topic T]]
//                              (the camera's intrinsics, sensor_msgs/msg/CameraInfo in CDR, one per frame at its
//                               time before it, on T, by default the camera topic's namespace + "/camera_info";
//                               K = [FX 0 CX; 0 FY CY; 0 0 1], D as given, the frames' size)
//     [--camera-info-schema ros2|foxglove]
//                              (foxglove: foxglove.CameraCalibration in protobuf, its schema Foxglove's own, from
//                               @foxglove/schemas' generator; no binning or ROI)
//     [--projection FX,FY,CX,CY] (P = [FX 0 CX 0; 0 FY CY 0; 0 0 1 0]; default K's)
//     [--info-size W,H] [--binning BX,BY] [--roi X,Y,W,H]
//                              (the CameraInfo's width and height, default the frames' size; binning_x/y and the
//                               region of interest, default 0: none)
//     [--ros1]                 (every ROS message as a ROS 1 bag converted to MCAP keeps it: profile ros1, schemas
//                               ros1msg named pkg/Type, messages in ROS 1's serialization by
//                               @foxglove/rosmsg-serialization; Header with seq, time, CameraInfo's D K R P)
//     [--tf-schema ros2|foxglove] [--tf-topic T (default /tf_static for ros2, /tf for foxglove)]
//                              (foxglove: the transforms as one foxglove.FrameTransforms in protobuf, its schema
//                               Foxglove's generator's, on T, default /tf)
//     [--tf-static PARENT:CHILD:X:Y:Z:QX:QY:QZ:QW[;...]]
//                              (static transforms, one tf2_msgs/msg/TFMessage on /tf_static at the start)
//
// Prints one JSON line: {"messages":N,"topics":[...]}
import { open, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { McapWriter, LIBRARY_IDENTIFIER } from "@mcap/core";
import { Rosbag2Writer } from "./rosbag2-writer.mjs";
import { Rosbag1Writer } from "./rosbag1-writer.mjs";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { MessageWriter as Ros1MessageWriter } from "@foxglove/rosmsg-serialization";
import { parse as parseRosMsg } from "@foxglove/rosmsg";
import zstd from "@foxglove/wasm-zstd";
import lz4 from "lz4js";
import protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor/index.js";
import foxgloveSchemas from "@foxglove/schemas/internal.js";

// ---------------------------------------------------------------------------------------------
// ROS 2 .msg texts (verbatim from ros2/common_interfaces and ros2/rcl_interfaces)

const TIME_MSG = `# This message communicates ROS Time defined here:
# https://design.ros2.org/articles/clock_and_time.html

# The seconds component, valid over all int32 values.
int32 sec

# The nanoseconds component, valid in the range [0, 1e9), to be added to the seconds component.
# e.g.
# The time -1.7 seconds is represented as {sec: -2, nanosec: 3e8}
# The time 1.7 seconds is represented as {sec: 1, nanosec: 7e8}
uint32 nanosec
`;

const HEADER_MSG = `# Standard metadata for higher-level stamped data types.
# This is generally used to communicate timestamped data
# in a particular coordinate frame.

# Two-integer timestamp that is expressed as seconds and nanoseconds.
builtin_interfaces/Time stamp

# Transform frame with which this data is associated.
string frame_id
`;

const COMPRESSED_IMAGE_MSG = `# This message contains a compressed image.

std_msgs/Header header # Header timestamp should be acquisition time of image
                             # Header frame_id should be optical frame of camera
                             # origin of frame should be optical center of cameara
                             # +x should point to the right in the image
                             # +y should point down in the image
                             # +z should point into to plane of the image

string format                # Specifies the format of the data
                             # Acceptable values differ by the image transport used:
                             # - compressed_image_transport:
                             #     ORIG_PIXFMT; CODEC compressed [COMPRESSED_PIXFMT]
                             #   where:
                             #   - ORIG_PIXFMT is pixel format of the raw image, i.e.
                             #     the content of sensor_msgs/Image/encoding with
                             #     values from include/sensor_msgs/image_encodings.h
                             #   - CODEC is one of [jpeg, png, tiff]
                             #   - COMPRESSED_PIXFMT is only appended for color images
                             #     and is the pixel format used by the compression
                             #     algorithm. Valid values for jpeg encoding are:
                             #     [bgr8, rgb8]. Valid values for png encoding are:
                             #     [bgr8, rgb8, bgr16, rgb16].
                             #   If the field is empty or does not correspond to the
                             #   above pattern, the image is treated as bgr8 or mono8
                             #   jpeg image (depending on the number of channels).
                             # - compressed_depth_image_transport:
                             #     ORIG_PIXFMT; compressedDepth CODEC
                             #   where:
                             #   - ORIG_PIXFMT is pixel format of the raw image, i.e.
                             #     the content of sensor_msgs/Image/encoding with
                             #     values from include/sensor_msgs/image_encodings.h
                             #     It is usually one of [16UC1, 32FC1].
                             #   - CODEC is one of [png, rvl]
                             #   If the field is empty or does not correspond to the
                             #   above pattern, the image is treated as png image.
                             # - Other image transports can store whatever values they
                             #   need for successful decoding of the image. Refer to
                             #   documentation of the other transports for details.

uint8[] data                 # Compressed image buffer
`;

const IMAGE_MSG = `# This message contains an uncompressed image
# (0, 0) is at top-left corner of image

std_msgs/Header header # Header timestamp should be acquisition time of image
                             # Header frame_id should be optical frame of camera
                             # origin of frame should be optical center of cameara
                             # +x should point to the right in the image
                             # +y should point down in the image
                             # +z should point into to plane of the image
                             # If the frame_id here and the frame_id of the CameraInfo
                             # message associated with the image conflict
                             # the behavior is undefined

uint32 height                # image height, that is, number of rows
uint32 width                 # image width, that is, number of columns

# The legal values for encoding are in file include/sensor_msgs/image_encodings.hpp
# If you want to standardize a new string format, join
# ros-users@lists.ros.org and send an email proposing a new encoding.

string encoding       # Encoding of pixels -- channel meaning, ordering, size
                      # taken from the list of strings in include/sensor_msgs/image_encodings.hpp

uint8 is_bigendian    # is this data bigendian?
uint32 step           # Full row length in bytes
uint8[] data          # actual matrix data, size is (step * rows)
`;

// nav_msgs/Odometry and geometry_msgs/TwistStamped with their dependencies (fields as in ros2/common_interfaces,
// comments left out).
const ODOMETRY_MSG = `std_msgs/Header header
string child_frame_id
geometry_msgs/PoseWithCovariance pose
geometry_msgs/TwistWithCovariance twist
`;
const TWIST_STAMPED_MSG = `std_msgs/Header header
geometry_msgs/Twist twist
`;
// sensor_msgs/CameraInfo with its dependency (fields as in ros2/common_interfaces, comments left out).
const CAMERA_INFO_MSG = `std_msgs/Header header
uint32 height
uint32 width
string distortion_model
float64[] d
float64[9]  k
float64[9]  r
float64[12] p
uint32 binning_x
uint32 binning_y
RegionOfInterest roi
`;
const GEOMETRY = {
  "geometry_msgs/TransformStamped":
    "std_msgs/Header header\nstring child_frame_id\ngeometry_msgs/Transform transform\n",
  "geometry_msgs/Transform": "geometry_msgs/Vector3 translation\ngeometry_msgs/Quaternion rotation\n",
  "sensor_msgs/RegionOfInterest":
    "uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n",
  "geometry_msgs/PoseWithCovariance": "geometry_msgs/Pose pose\nfloat64[36] covariance\n",
  "geometry_msgs/Pose": "geometry_msgs/Point position\ngeometry_msgs/Quaternion orientation\n",
  "geometry_msgs/Point": "float64 x\nfloat64 y\nfloat64 z\n",
  "geometry_msgs/Quaternion": "float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1\n",
  "geometry_msgs/TwistWithCovariance": "geometry_msgs/Twist twist\nfloat64[36] covariance\n",
  "geometry_msgs/Twist": "geometry_msgs/Vector3 linear\ngeometry_msgs/Vector3 angular\n",
  "geometry_msgs/Vector3": "float64 x\nfloat64 y\nfloat64 z\n",
};

// rosbag2 (rosbag2_cpp LocalMessageDefinitionSource::get_full_text) concatenation: the root
// definition, then depth-first for each not-yet-seen dependency: "\n", a line of 80 '=', a line
// "MSG: <type as written in the field>", then the dependency's own text.
const DELIMITER = "=".repeat(80) + "\n";
function ros2msgWithDependencies(rootText, extra = []) {
  return (
    rootText +
    "\n" + DELIMITER + "MSG: std_msgs/Header\n" + HEADER_MSG +
    "\n" + DELIMITER + "MSG: builtin_interfaces/Time\n" + TIME_MSG +
    extra.map((name) => "\n" + DELIMITER + "MSG: " + name + "\n" + GEOMETRY[name]).join("")
  );
}

// rosbag2 (Humble) writes each channel's offered QoS profiles as YAML metadata.
const OFFERED_QOS = `- history: 3
  depth: 0
  reliability: 1
  durability: 2
  deadline:
    sec: 9223372036
    nsec: 854775807
  lifespan:
    sec: 9223372036
    nsec: 854775807
  liveliness: 1
  liveliness_lease_duration:
    sec: 9223372036
    nsec: 854775807
  avoid_ros_namespace_conventions: false`;

// ---------------------------------------------------------------------------------------------
// foxglove.CompressedImage protobuf schema as a FileDescriptorSet (dependency first, like protoc
// --include_imports and the Foxglove SDKs do).

function foxgloveCompressedImageDescriptorSet() {
  return descriptor.FileDescriptorSet.fromObject({
    file: [
      {
        name: "google/protobuf/timestamp.proto",
        package: "google.protobuf",
        messageType: [
          {
            name: "Timestamp",
            field: [
              { name: "seconds", number: 1, label: "LABEL_OPTIONAL", type: "TYPE_INT64", jsonName: "seconds" },
              { name: "nanos", number: 2, label: "LABEL_OPTIONAL", type: "TYPE_INT32", jsonName: "nanos" },
            ],
          },
        ],
        syntax: "proto3",
      },
      {
        name: "foxglove/CompressedImage.proto",
        package: "foxglove",
        dependency: ["google/protobuf/timestamp.proto"],
        messageType: [
          {
            name: "CompressedImage",
            field: [
              { name: "timestamp", number: 1, label: "LABEL_OPTIONAL", type: "TYPE_MESSAGE", typeName: ".google.protobuf.Timestamp", jsonName: "timestamp" },
              { name: "frame_id", number: 4, label: "LABEL_OPTIONAL", type: "TYPE_STRING", jsonName: "frameId" },
              { name: "data", number: 2, label: "LABEL_OPTIONAL", type: "TYPE_BYTES", jsonName: "data" },
              { name: "format", number: 3, label: "LABEL_OPTIONAL", type: "TYPE_STRING", jsonName: "format" },
            ],
          },
        ],
        syntax: "proto3",
      },
    ],
  });
}

// A Foxglove message type's protobuf schema as a FileDescriptorSet, its fields exactly as Foxglove's own generator
// (@foxglove/schemas) writes the .proto (parsed by protobufjs), with google.protobuf.Timestamp as a dependency.
function foxgloveDescriptorSet(typeName) {
  // every foxglove type it refers to, each parsed from the .proto Foxglove's generator writes for it
  const root = new protobuf.Root();
  root.addJSON(protobuf.common["google/protobuf/timestamp.proto"].nested);
  const files = [];
  const done = new Set();
  const TYPES = { double: "TYPE_DOUBLE", float: "TYPE_FLOAT", fixed32: "TYPE_FIXED32", uint32: "TYPE_UINT32",
    int32: "TYPE_INT32", string: "TYPE_STRING", bytes: "TYPE_BYTES", bool: "TYPE_BOOL" };
  const add = (name) => {
    if (done.has(name)) return;
    done.add(name);
    const schema = foxgloveSchemas.foxgloveMessageSchemas[name];
    if (!schema) fail(`@foxglove/schemas has no ${name}`);
    const text = foxgloveSchemas.generateProto(schema, []);
    const dependency = [...text.matchAll(/^import "([^"]+)";$/gm)].map((m) => m[1]);
    for (const d of dependency) if (d.startsWith("foxglove/")) add(d.slice(9, -6));
    protobuf.parse(text, root, { keepCase: true });
    root.resolveAll();
    const type = root.lookupType(`foxglove.${name}`);
    const field = type.fieldsArray.map((f) => {
      const message = f.resolvedType && f.resolvedType instanceof protobuf.Type;
      if (!message && !TYPES[f.type]) fail(`${name}.${f.name}: type ${f.type} not mapped`);
      return {
        name: f.name, number: f.id, label: f.repeated ? "LABEL_REPEATED" : "LABEL_OPTIONAL",
        type: message ? "TYPE_MESSAGE" : TYPES[f.type],
        ...(message ? { typeName: "." + f.resolvedType.fullName.replace(/^\./, "") } : {}),
      };
    });
    files.push({ name: `foxglove/${name}.proto`, package: "foxglove", dependency,
      messageType: [{ name, field }], syntax: "proto3" });
  };
  add(typeName);
  const base = foxgloveCompressedImageDescriptorSet().file[0]; // google/protobuf/timestamp.proto
  return descriptor.FileDescriptorSet.fromObject({ file: [descriptor.FileDescriptorProto.toObject(base), ...files] });
}

// BGR bytes (3 per pixel) in one of sensor_msgs/image_encodings' encodings: { data, step }.
function encodePixels(bgr, width, height, encoding) {
  const at = (x, y, c) => bgr[(y * width + x) * 3 + c]; // c: 0 B, 1 G, 2 R
  if (encoding.endsWith("16")) {
    // the 8-bit encoding's samples at --bits significant bits (low-aligned, as a 10- or 12-bit camera mode
    // publishes them), two bytes each in --big-endian or little-endian order
    const narrow = encodePixels(bgr, width, height, encoding.slice(0, -2) + "8");
    const top = 2 ** Number(args.bits) - 1;
    const data = new Uint8Array(narrow.data.length * 2);
    for (let i = 0; i < narrow.data.length; i++) {
      const v = Math.round(narrow.data[i] * top / 255);
      data[2 * i] = args["big-endian"] ? v >> 8 : v & 0xff;
      data[2 * i + 1] = args["big-endian"] ? v & 0xff : v >> 8;
    }
    return { data, step: narrow.step * 2 };
  }
  if (encoding === "bgr8") return { data: bgr, step: width * 3 };
  if (encoding === "mono8") {
    // OpenCV's BGR to grey: 0.299 R + 0.587 G + 0.114 B
    const data = new Uint8Array(width * height);
    for (let i = 0; i < data.length; i++) {
      data[i] = Math.round(0.299 * bgr[3 * i + 2] + 0.587 * bgr[3 * i + 1] + 0.114 * bgr[3 * i]);
    }
    return { data, step: width };
  }
  if (encoding === "rgb8") {
    const data = Uint8Array.from(bgr);
    for (let i = 0; i < data.length; i += 3) {
      data[i] = bgr[i + 2];
      data[i + 2] = bgr[i];
    }
    return { data, step: width * 3 };
  }
  if (encoding.startsWith("bayer_")) {
    const pattern = encoding.slice(6, 10); // e.g. rggb: row 0 r g r g …, row 1 g b g b …
    const channel = { r: 2, g: 1, b: 0 };
    const data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[y * width + x] = at(x, y, channel[pattern[(y % 2) * 2 + (x % 2)]]);
    }
    return { data, step: width };
  }
  // ITU-R BT.601, studio range (Y 16-235, U and V 16-240)
  const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
  const yOf = (x, y) => 16 + (65.481 * at(x, y, 2) + 128.553 * at(x, y, 1) + 24.966 * at(x, y, 0)) / 255;
  const uOf = (x, y) => 128 + (-37.797 * at(x, y, 2) - 74.203 * at(x, y, 1) + 112.0 * at(x, y, 0)) / 255;
  const vOf = (x, y) => 128 + (112.0 * at(x, y, 2) - 93.786 * at(x, y, 1) - 18.214 * at(x, y, 0)) / 255;
  if (encoding === "nv21") {
    if (width % 2 || height % 2) fail("nv21 needs even sides");
    const data = new Uint8Array(width * height * 3 / 2);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = clamp(yOf(x, y));
    for (let y = 0; y < height; y += 2) {
      for (let x = 0; x < width; x += 2) {
        const block = [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]];
        const o = width * height + (y / 2) * width + x;
        data[o] = clamp(block.reduce((s, [a, b]) => s + vOf(a, b), 0) / 4);
        data[o + 1] = clamp(block.reduce((s, [a, b]) => s + uOf(a, b), 0) / 4);
      }
    }
    return { data, step: width };
  }
  const uyvy = encoding === "yuv422" || encoding === "uyvy";
  if (width % 2) fail("4:2:2 needs an even width");
  const data = new Uint8Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const o = (y * width + x) * 2;
      const u = clamp((uOf(x, y) + uOf(x + 1, y)) / 2);
      const v = clamp((vOf(x, y) + vOf(x + 1, y)) / 2);
      const y0 = clamp(yOf(x, y));
      const y1 = clamp(yOf(x + 1, y));
      data.set(uyvy ? [u, y0, v, y1] : [y0, u, y1, v], o);
    }
  }
  return { data, step: width * 2 };
}

// ---------------------------------------------------------------------------------------------

function fail(message) {
  process.stderr.write(`make-fixture: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    jpegs: { type: "string" },
    raw: { type: "string" },
    pixel: { type: "string", default: "bgr8" },
    encoding: { type: "string" },
    compression: { type: "string", default: "zstd" },
    index: { type: "string", default: "yes" },
    topic: { type: "string", default: "/camera/front/compressed" },
    "extra-topic": { type: "string" },
    "start-ns": { type: "string", default: "1700000000000000000" },
    "period-ns": { type: "string", default: "33333333" },
    "stamp-order": { type: "string" },
    "chunk-size": { type: "string", default: "65536" },
    "frame-id": { type: "string", default: "camera_front" },
    motion: { type: "string" },
    speed: { type: "string", default: "10" },
    "yaw-step": { type: "string", default: "0.01" },
    "motion-topic": { type: "string", default: "/odom" },
    "extra-motion-topic": { type: "string" },
    "camera-info": { type: "string" },
    "distortion-model": { type: "string", default: "plumb_bob" },
    "camera-info-topic": { type: "string" },
    projection: { type: "string" },
    "camera-info-schema": { type: "string", default: "ros2" },
    packets: { type: "string" },
    "video-format": { type: "string", default: "h264" },
    "info-size": { type: "string" },
    binning: { type: "string" },
    roi: { type: "string" },
    "tf-static": { type: "string" },
    "tf-schema": { type: "string", default: "ros2" },
    "tf-topic": { type: "string" },
    ros1: { type: "boolean", default: false },
    bits: { type: "string", default: "16" },
    rosbag2: { type: "string" },
    "rosbag2-splits": { type: "string", default: "1" },
    "rosbag2-zstd": { type: "boolean", default: false },
    "rosbag2-file-zstd": { type: "boolean", default: false },
    "rosbag2-page-size": { type: "string", default: "4096" },
    "rosbag2-filler": { type: "string", default: "0" },
    rosbag1: { type: "boolean", default: false },
    "rosbag1-compression": { type: "string", default: "none" },
    "rosbag1-chunk-size": { type: "string", default: "786432" },
    "big-endian": { type: "boolean", default: false },
  },
  strict: true,
});

if (!args.out) fail("--out is required");
const ENCODINGS = ["ros2-compressed", "ros2-image", "foxglove", "foxglove-raw", "foxglove-video", "ros2-foxglove-video",
  "ros2-ffmpeg-packet"];
if (!ENCODINGS.includes(args.encoding)) {
  fail(`--encoding must be one of ${ENCODINGS.join(", ")}`);
}
if (!["zstd", "lz4", "none"].includes(args.compression)) fail("--compression must be zstd, lz4 or none");
if (!["yes", "no"].includes(args.index)) fail("--index must be yes or no");
const PIXELS = ["bgr8", "rgb8", "mono8", "bayer_rggb8", "bayer_bggr8", "bayer_gbrg8", "bayer_grbg8", "yuv422", "uyvy",
  "yuv422_yuy2", "yuyv", "nv21", "bgr16", "rgb16", "mono16", "bayer_rggb16", "bayer_bggr16", "bayer_gbrg16",
  "bayer_grbg16"];
if (!(Number(args.bits) >= 8 && Number(args.bits) <= 16)) fail("--bits must be 8 to 16");
if (args["big-endian"] && args.encoding !== "ros2-image") fail("--big-endian is for ros2-image (is_bigendian)");
if (!PIXELS.includes(args.pixel)) fail(`--pixel must be one of ${PIXELS.join(", ")}`);

const startNs = BigInt(args["start-ns"]);
const periodNs = BigInt(args["period-ns"]);
const chunkSize = Number(args["chunk-size"]);
const frameId = args["frame-id"];
const indexed = args.index === "yes";

async function listFiles(dir, ext) {
  const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith(ext)).sort();
  if (names.length === 0) fail(`no *${ext} files in ${dir}`);
  return names.map((n) => path.join(dir, n));
}

// --- frames -> payload encoder -----------------------------------------------------------------

let schema; // { name, encoding, data }
let messageEncoding;
let profile;
let channelMetadata;
let frames; // array of file paths
let encodeFrame; // (fileBytes, timeNs) => Uint8Array

// --- ROS 1 ------------------------------------------------------------------------------------
// The ROS 2 definitions and messages above, as ROS 1 has them: a Header with seq and a time, no
// builtin_interfaces, CameraInfo's matrices upper case, type names without "msg/".
const ROS1 = args.ros1;
const ROS1_HEADER = "uint32 seq\ntime stamp\nstring frame_id\n";
function ros1Definition(text) {
  const parts = text.split("\n" + DELIMITER);
  return parts
    .filter((p) => !p.startsWith("MSG: builtin_interfaces/Time"))
    .map((p) => (p.startsWith("MSG: std_msgs/Header") ? "MSG: std_msgs/Header\n" + ROS1_HEADER : p))
    .join("\n" + DELIMITER)
    .replace(/builtin_interfaces\/Time /g, "time ")
    .replace(/^([A-Za-z][\w/\[\]]*[ \t]+\w+)[ \t]+[^=\s#][^#\n]*$/gm, "$1") // ROS 2's default values
    .replace(/^float64\[\] d$/m, "float64[] D").replace(/^float64\[9\]\s+k$/m, "float64[9] K")
    .replace(/^float64\[9\]\s+r$/m, "float64[9] R").replace(/^float64\[12\] p$/m, "float64[12] P");
}
function ros1Value(v) {
  if (Array.isArray(v)) return v.map(ros1Value);
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  if ("sec" in v && "nanosec" in v) return { sec: v.sec, nsec: v.nanosec };
  const out = {};
  for (const [key, value] of Object.entries(v)) {
    const name = ["d", "k", "r", "p"].includes(key) && "distortion_model" in v ? key.toUpperCase() : key;
    out[name] = ros1Value(value);
  }
  if ("stamp" in v && "frame_id" in v) out.seq = 0;
  return out;
}
// a message writer for a ROS 2 definition: CDR, or with --ros1 ROS 1's serialization of the same message
function rosWriter(text) {
  if (!ROS1) return new MessageWriter(parseRosMsg(text, { ros2: true }));
  const w = new Ros1MessageWriter(parseRosMsg(ros1Definition(text)));
  return { writeMessage: (m) => w.writeMessage(ros1Value(m)) };
}

function rosTime(timeNs) {
  return { sec: Number(timeNs / 1_000_000_000n), nanosec: Number(timeNs % 1_000_000_000n) };
}

if (args.encoding === "ros2-compressed" || args.encoding === "ros2-image") {
  const isCompressed = args.encoding === "ros2-compressed";
  const text = ros2msgWithDependencies(isCompressed ? COMPRESSED_IMAGE_MSG : IMAGE_MSG);
  schema = {
    name: isCompressed ? "sensor_msgs/msg/CompressedImage" : "sensor_msgs/msg/Image",
    encoding: "ros2msg",
    data: new TextEncoder().encode(text),
  };
  messageEncoding = "cdr";
  profile = "ros2";
  channelMetadata = new Map([["offered_qos_profiles", OFFERED_QOS]]);
  const writer = rosWriter(text);
  if (isCompressed) {
    if (!args.jpegs && !args.packets) fail("--jpegs DIR is required for ros2-compressed");
    frames = args.packets ? await listFiles(args.packets, "") : await listFiles(args.jpegs, ".jpg");
    const format = args.packets ? args["video-format"] : "jpeg";
    encodeFrame = (bytes, timeNs) =>
      writer.writeMessage({ header: { stamp: rosTime(timeNs), frame_id: frameId }, format, data: bytes });
  } else {
    if (!args.raw) fail("--raw DIR (with *.bgr files and size.txt) is required for ros2-image");
    const [width, height] = (await readFile(path.join(args.raw, "size.txt"), "utf8")).trim().split(/\s+/).map(Number);
    if (!(width > 0 && height > 0)) fail(`bad size.txt in ${args.raw}`);
    frames = await listFiles(args.raw, ".bgr");
    encodeFrame = (bytes, timeNs) => {
      if (bytes.length !== width * height * 3) fail(`raw frame is ${bytes.length} bytes, expected ${width * height * 3}`);
      const { data, step } = encodePixels(bytes, width, height, args.pixel);
      return writer.writeMessage({
        header: { stamp: rosTime(timeNs), frame_id: frameId },
        height,
        width,
        encoding: args.pixel,
        is_bigendian: args["big-endian"] ? 1 : 0,
        step,
        data,
      });
    };
  }
} else if (args.encoding === "ros2-ffmpeg-packet") {
  // ffmpeg_image_transport_msgs/msg/FFMPEGPacket (its fields as the package defines them)
  if (!args.packets) fail("--packets DIR is required for ros2-ffmpeg-packet");
  frames = await listFiles(args.packets, "");
  const text = ros2msgWithDependencies("std_msgs/Header header\nint32 width\nint32 height\nstring encoding\n"
    + "uint64 pts\nuint8 flags\nbool is_bigendian\nuint8[] data\n");
  schema = { name: "ffmpeg_image_transport_msgs/msg/FFMPEGPacket", encoding: "ros2msg",
    data: new TextEncoder().encode(text) };
  messageEncoding = "cdr";
  profile = "ros2";
  channelMetadata = new Map([["offered_qos_profiles", OFFERED_QOS]]);
  const writer = rosWriter(text);
  let pts = 0n;
  encodeFrame = (bytes, timeNs) => writer.writeMessage({
    header: { stamp: rosTime(timeNs), frame_id: frameId }, width: 0, height: 0, encoding: args["video-format"],
    pts: pts++, flags: 0, is_bigendian: false, data: bytes,
  });
} else if (args.encoding === "foxglove-video" || args.encoding === "ros2-foxglove-video") {
  if (!args.packets) fail(`--packets DIR is required for ${args.encoding}`);
  frames = await listFiles(args.packets, "");
  const format = args["video-format"];
  if (args.encoding === "foxglove-video") {
    const descriptorSet = foxgloveDescriptorSet("CompressedVideo");
    schema = { name: "foxglove.CompressedVideo", encoding: "protobuf",
      data: descriptor.FileDescriptorSet.encode(descriptorSet).finish() };
    messageEncoding = "protobuf";
    profile = "";
    channelMetadata = new Map();
    const type = protobuf.Root.fromDescriptor(descriptorSet, { keepCase: true }).lookupType("foxglove.CompressedVideo");
    encodeFrame = (bytes, timeNs) => {
      const { sec, nanosec } = rosTime(timeNs);
      return type.encode(type.fromObject({
        timestamp: { seconds: sec, nanos: nanosec }, frame_id: frameId, data: bytes, format,
      })).finish();
    };
  } else {
    // the ROS 2 message as Foxglove's generator writes foxglove_msgs/msg/CompressedVideo
    const definition = foxgloveSchemas.generateRosMsgDefinition(
      foxgloveSchemas.foxgloveMessageSchemas.CompressedVideo, { rosVersion: 2 });
    const text = foxgloveSchemas.generateRosMsg(definition, { rosVersion: 2 });
    schema = { name: "foxglove_msgs/msg/CompressedVideo", encoding: "ros2msg", data: new TextEncoder().encode(text) };
    messageEncoding = "cdr";
    profile = "ros2";
    channelMetadata = new Map([["offered_qos_profiles", OFFERED_QOS]]);
    const writer = rosWriter(text);
    encodeFrame = (bytes, timeNs) =>
      writer.writeMessage({ timestamp: rosTime(timeNs), frame_id: frameId, data: bytes, format });
  }
} else if (args.encoding === "foxglove-raw") {
  // foxglove.RawImage in protobuf, its schema as Foxglove's own generator writes it
  if (!args.raw) fail("--raw DIR (with *.bgr files and size.txt) is required for foxglove-raw");
  const [width, height] = (await readFile(path.join(args.raw, "size.txt"), "utf8")).trim().split(/\s+/).map(Number);
  frames = await listFiles(args.raw, ".bgr");
  const descriptorSet = foxgloveDescriptorSet("RawImage");
  schema = { name: "foxglove.RawImage", encoding: "protobuf",
    data: descriptor.FileDescriptorSet.encode(descriptorSet).finish() };
  messageEncoding = "protobuf";
  profile = "";
  channelMetadata = new Map();
  const type = protobuf.Root.fromDescriptor(descriptorSet, { keepCase: true }).lookupType("foxglove.RawImage");
  encodeFrame = (bytes, timeNs) => {
    const { sec, nanosec } = rosTime(timeNs);
    const { data, step } = encodePixels(bytes, width, height, args.pixel);
    return type.encode(type.fromObject({
      timestamp: { seconds: sec, nanos: nanosec }, frame_id: frameId, width, height, encoding: args.pixel, step, data,
    })).finish();
  };
} else {
  if (!args.jpegs) fail("--jpegs DIR is required for foxglove");
  frames = await listFiles(args.jpegs, ".jpg");
  const descriptorSet = foxgloveCompressedImageDescriptorSet();
  schema = {
    name: "foxglove.CompressedImage",
    encoding: "protobuf",
    data: descriptor.FileDescriptorSet.encode(descriptorSet).finish(),
  };
  messageEncoding = "protobuf";
  profile = "";
  channelMetadata = new Map();
  const root = protobuf.Root.fromDescriptor(descriptorSet, { keepCase: true });
  const type = root.lookupType("foxglove.CompressedImage");
  for (const name of ["timestamp", "frame_id", "data", "format"]) {
    if (!type.fields[name]) fail(`protobufjs reflected foxglove.CompressedImage without field ${name}`);
  }
  encodeFrame = (bytes, timeNs) => {
    const { sec, nanosec } = rosTime(timeNs);
    const message = type.fromObject({
      timestamp: { seconds: sec, nanos: nanosec },
      frame_id: frameId,
      data: bytes,
      format: "jpeg",
    });
    return type.encode(message).finish();
  };
}

// --- compression ----------------------------------------------------------------------------

let compressChunk;
if (args.compression === "zstd") {
  await zstd.isLoaded;
  compressChunk = (data) => ({ compression: "zstd", compressedData: new Uint8Array(zstd.compress(data, 3)) });
} else if (args.compression === "lz4") {
  // lz4js writes the LZ4 *frame* format (magic 0x184D2204), which is what MCAP's "lz4" means.
  compressChunk = (data) => ({ compression: "lz4", compressedData: Uint8Array.from(lz4.compress(data)) });
}

// --- write -----------------------------------------------------------------------------------

const fh = args.rosbag2 || args.rosbag1 ? null : await open(args.out, "w");
let position = 0n;
const writable = {
  async write(buffer) {
    await fh.write(buffer);
    position += BigInt(buffer.byteLength);
  },
  position() {
    return position;
  },
};

if (args["rosbag2-zstd"] || args["rosbag2-file-zstd"]) await zstd.isLoaded;
const writer = args.rosbag1 ? new Rosbag1Writer({ file: args.out, compression: args["rosbag1-compression"],
  chunkSize: Number(args["rosbag1-chunk-size"]) }) : args.rosbag2 ? new Rosbag2Writer({ dir: args.out, distro: args.rosbag2,
  splits: Number(args["rosbag2-splits"]), pageSize: Number(args["rosbag2-page-size"]),
  filler: Number(args["rosbag2-filler"]),
  compressFile: args["rosbag2-file-zstd"] ? (b) => new Uint8Array(zstd.compress(b, 3)) : null, compress: args["rosbag2-zstd"] ? (b) => new Uint8Array(zstd.compress(b, 3)) : null })
  : new McapWriter({
  writable,
  chunkSize,
  compressChunk,
  useChunks: true,
  useStatistics: indexed,
  useSummaryOffsets: indexed,
  repeatSchemas: indexed,
  repeatChannels: indexed,
  useAttachmentIndex: indexed,
  useMetadataIndex: indexed,
  useMessageIndex: indexed,
  useChunkIndex: indexed,
});

if (ROS1) {
  // schemas and channels registered as ROS 2's are written as ROS 1's
  const registerSchema = writer.registerSchema.bind(writer);
  writer.registerSchema = (s) => registerSchema(s.encoding !== "ros2msg" ? s : {
    name: s.name.replace("/msg/", "/"), encoding: "ros1msg",
    data: new TextEncoder().encode(ros1Definition(new TextDecoder().decode(s.data))),
  });
  const registerChannel = writer.registerChannel.bind(writer);
  writer.registerChannel = (c) => registerChannel(c.messageEncoding !== "cdr" ? c
    : { ...c, messageEncoding: "ros1", metadata: new Map() });
  if (profile === "ros2") profile = "ros1";
}
await writer.start({ profile, library: LIBRARY_IDENTIFIER });
const schemaId = await writer.registerSchema(schema);
const topics = [args.topic];
if (args["extra-topic"]) topics.push(args["extra-topic"]);
const channelIds = [];
for (const topic of topics) {
  channelIds.push(
    await writer.registerChannel({ topic, schemaId, messageEncoding, metadata: channelMetadata }),
  );
}

let messages = 0;
let writeMotion = null; // (k) => writes motion message k, logged at start + k·period/2
if (args.motion) {
  if (!["odometry", "twist"].includes(args.motion)) fail("--motion must be odometry or twist");
  const odometry = args.motion === "odometry";
  const text = odometry
    ? ros2msgWithDependencies(ODOMETRY_MSG, ["geometry_msgs/PoseWithCovariance", "geometry_msgs/Pose",
      "geometry_msgs/Point", "geometry_msgs/Quaternion", "geometry_msgs/TwistWithCovariance", "geometry_msgs/Twist",
      "geometry_msgs/Vector3"])
    : ros2msgWithDependencies(TWIST_STAMPED_MSG, ["geometry_msgs/Twist", "geometry_msgs/Vector3"]);
  const motionSchemaId = await writer.registerSchema({
    name: odometry ? "nav_msgs/msg/Odometry" : "geometry_msgs/msg/TwistStamped",
    encoding: "ros2msg",
    data: new TextEncoder().encode(text),
  });
  const motionChannels = [];
  for (const [topic, factor] of [[args["motion-topic"], 1], [args["extra-motion-topic"], 2]]) {
    if (!topic) continue;
    const id = await writer.registerChannel({
      topic, schemaId: motionSchemaId, messageEncoding: "cdr", metadata: channelMetadata ?? new Map(),
    });
    motionChannels.push({ id, factor });
    topics.push(topic);
  }
  const motionWriter = rosWriter(text);
  const speed = Number(args.speed);
  const yawStep = Number(args["yaw-step"]);
  writeMotion = async (k) => {
    for (const { id, factor } of motionChannels) await writeMotionOn(id, factor, k);
  };
  const writeMotionOn = async (motionChannel, factor, k) => {
    const timeNs = startNs + (BigInt(k) * periodNs) / 2n;
    const twist = { linear: { x: speed, y: 0, z: 0 }, angular: { x: 0, y: 0, z: factor * yawStep * k } };
    const header = { stamp: rosTime(timeNs), frame_id: "odom" };
    const message = odometry
      ? {
        header, child_frame_id: "base_link",
        pose: { pose: { position: { x: k, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
          covariance: new Float64Array(36) },
        twist: { twist, covariance: new Float64Array(36) },
      }
      : { header, twist };
    await writer.addMessage({
      channelId: motionChannel, sequence: k, logTime: timeNs, publishTime: timeNs,
      data: motionWriter.writeMessage(message),
    });
    messages++;
  };
}
if (args["tf-static"]) {
  const transforms = args["tf-static"].split(";").map((entry) => {
    const [parent, child, ...numbers] = entry.split(":");
    const v = numbers.map(Number);
    if (!parent || !child || v.length !== 7 || v.some((x) => !Number.isFinite(x))) {
      fail("--tf-static entries are PARENT:CHILD:X:Y:Z:QX:QY:QZ:QW");
    }
    return {
      header: { stamp: rosTime(startNs), frame_id: parent }, child_frame_id: child,
      transform: { translation: { x: v[0], y: v[1], z: v[2] }, rotation: { x: v[3], y: v[4], z: v[5], w: v[6] } },
    };
  });
  if (args["tf-schema"] === "foxglove") {
    const set = foxgloveDescriptorSet("FrameTransforms");
    const type = protobuf.Root.fromDescriptor(set, { keepCase: true }).lookupType("foxglove.FrameTransforms");
    const fxSchemaId = await writer.registerSchema({ name: "foxglove.FrameTransforms", encoding: "protobuf",
      data: descriptor.FileDescriptorSet.encode(set).finish() });
    const topic = args["tf-topic"] ?? "/tf";
    const id = await writer.registerChannel({ topic, schemaId: fxSchemaId, messageEncoding: "protobuf",
      metadata: new Map() });
    topics.push(topic);
    const { sec, nanosec } = rosTime(startNs);
    await writer.addMessage({
      channelId: id, sequence: 0, logTime: startNs, publishTime: startNs,
      data: type.encode(type.fromObject({ transforms: transforms.map((t) => ({
        timestamp: { seconds: sec, nanos: nanosec }, parent_frame_id: t.header.frame_id,
        child_frame_id: t.child_frame_id, translation: t.transform.translation, rotation: t.transform.rotation,
      })) })).finish(),
    });
    messages++;
  } else {
    const text = ros2msgWithDependencies("geometry_msgs/TransformStamped[] transforms\n",
      ["geometry_msgs/TransformStamped", "geometry_msgs/Transform", "geometry_msgs/Vector3", "geometry_msgs/Quaternion"]);
    const tfSchemaId = await writer.registerSchema({
      name: "tf2_msgs/msg/TFMessage", encoding: "ros2msg", data: new TextEncoder().encode(text),
    });
    const topic = args["tf-topic"] ?? "/tf_static";
    const id = await writer.registerChannel({
      topic, schemaId: tfSchemaId, messageEncoding: "cdr", metadata: channelMetadata ?? new Map(),
    });
    topics.push(topic);
    await writer.addMessage({
      channelId: id, sequence: 0, logTime: startNs, publishTime: startNs,
      data: rosWriter(text).writeMessage({ transforms }),
    });
    messages++;
  }
}
let writeCameraInfo = null; // (i, timeNs) => writes the CameraInfo of frame i
if (args["camera-info"]) {
  const values = args["camera-info"].split(",").map(Number);
  if (values.length < 4 || values.some((v) => !Number.isFinite(v))) fail("--camera-info needs FX,FY,CX,CY[,D...]");
  const [fx, fy, cx, cy, ...d] = values;
  const foxgloveInfo = args["camera-info-schema"] === "foxglove";
  if (!foxgloveInfo && args["camera-info-schema"] !== "ros2") fail("--camera-info-schema must be ros2 or foxglove");
  const text = ros2msgWithDependencies(CAMERA_INFO_MSG, ["sensor_msgs/RegionOfInterest"]);
  const calibrationSet = foxgloveInfo ? foxgloveDescriptorSet("CameraCalibration") : null;
  const infoSchemaId = await writer.registerSchema(foxgloveInfo
    ? { name: "foxglove.CameraCalibration", encoding: "protobuf",
      data: descriptor.FileDescriptorSet.encode(calibrationSet).finish() }
    : { name: "sensor_msgs/msg/CameraInfo", encoding: "ros2msg", data: new TextEncoder().encode(text) });
  const topic = args["camera-info-topic"] ?? args.topic.slice(0, args.topic.lastIndexOf("/")) + "/camera_info";
  const id = await writer.registerChannel({
    topic, schemaId: infoSchemaId, messageEncoding: foxgloveInfo ? "protobuf" : "cdr",
    metadata: channelMetadata ?? new Map(),
  });
  topics.push(topic);
  const infoWriter = foxgloveInfo
    ? (() => {
      const type = protobuf.Root.fromDescriptor(calibrationSet, { keepCase: true })
        .lookupType("foxglove.CameraCalibration");
      return { writeMessage: (m) => type.encode(type.fromObject({
        timestamp: { seconds: m.header.stamp.sec, nanos: m.header.stamp.nanosec }, frame_id: m.header.frame_id,
        width: m.width, height: m.height, distortion_model: m.distortion_model,
        D: Array.from(m.d), K: Array.from(m.k), R: Array.from(m.r), P: Array.from(m.p),
      })).finish() };
    })()
    : rosWriter(text);
  // the frames' size where --raw says it (size.txt); else 0, "not given", as a driver may leave it
  const numbers = (option, count) => {
    const v = args[option].split(",").map(Number);
    if (v.length !== count || v.some((x) => !Number.isFinite(x))) fail(`--${option} needs ${count} numbers`);
    return v;
  };
  const [frameWidth, frameHeight] = args["info-size"] ? numbers("info-size", 2) : args.raw
    ? (await readFile(path.join(args.raw, "size.txt"), "utf8")).trim().split(/\s+/).map(Number) : [0, 0];
  const [pfx, pfy, pcx, pcy] = args.projection ? numbers("projection", 4) : [fx, fy, cx, cy];
  const [binX, binY] = args.binning ? numbers("binning", 2) : [0, 0];
  const [roiX, roiY, roiW, roiH] = args.roi ? numbers("roi", 4) : [0, 0, 0, 0];
  writeCameraInfo = async (i, timeNs) => {
    const message = {
      header: { stamp: rosTime(timeNs), frame_id: frameId }, height: frameHeight, width: frameWidth,
      distortion_model: args["distortion-model"], d: Float64Array.from(d),
      k: Float64Array.from([fx, 0, cx, 0, fy, cy, 0, 0, 1]), r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
      p: Float64Array.from([pfx, 0, pcx, 0, 0, pfy, pcy, 0, 0, 0, 1, 0]), binning_x: binX, binning_y: binY,
      roi: { x_offset: roiX, y_offset: roiY, height: roiH, width: roiW, do_rectify: false },
    };
    await writer.addMessage({
      channelId: id, sequence: i, logTime: timeNs, publishTime: timeNs, data: infoWriter.writeMessage(message),
    });
    messages++;
  };
}
// --stamp-order: each camera message's header stamp is start + k·period for its k in the list (a video stream with
// B-frames, its packets in decode order, each stamped with the capture time of the picture it codes, as
// ffmpeg_image_transport stamps them); the log times stay in message order
const stampOrder = args["stamp-order"] ? args["stamp-order"].split(",").map((k) => BigInt(k)) : null;
for (let i = 0; i < frames.length; i++) {
  const timeNs = startNs + BigInt(i) * periodNs;
  if (writeCameraInfo) await writeCameraInfo(i, timeNs);
  if (writeMotion) await writeMotion(2 * i); // in log-time order: the motion at the frame's time first
  const stampNs = stampOrder ? startNs + stampOrder[i] * periodNs : timeNs;
  const payload = encodeFrame(new Uint8Array(await readFile(frames[i])), stampNs);
  for (const channelId of channelIds) {
    await writer.addMessage({ channelId, sequence: i, logTime: timeNs, publishTime: timeNs, data: payload });
    messages++;
  }
  if (writeMotion) await writeMotion(2 * i + 1);
}
await writer.end();
if (fh) await fh.close();

process.stdout.write(JSON.stringify({ messages, topics }) + "\n");
