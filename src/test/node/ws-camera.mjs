#!/usr/bin/env node
// A Foxglove WebSocket server publishing a camera, the role foxglove_bridge plays on a robot for roadseg's
// `run ws://HOST:PORT`: the official @foxglove/ws-protocol FoxgloveServer over `ws`, advertising a
// sensor_msgs/msg/CompressedImage channel (CDR, written by @foxglove/rosmsg2-serialization) and an odometry channel
// beside it; once a client subscribes to the camera it sends every *.jpg of --jpegs, in name order, --period-ms apart,
// each stamped START + i × period, then closes every connection normally (1000) and exits.
//
// node ws-camera.mjs --jpegs DIR [--port 0] [--period-ms 40] [--start-ns N] [--topic /camera/front/compressed]
//     [--frame-id camera_front] [--repeat K] [--timeout 60] [--foxglove] [--camera-info FX,FY,CX,CY[,D...]]
//     [--motion SPEED,YAWRATE]
// --motion: the /odom channel carries nav_msgs/msg/Odometry (CDR), one message before each frame, twist.linear.x
// SPEED m/s, twist.angular.z YAWRATE rad/s (REP 103: positive turning left).
// --camera-info: a sensor_msgs/msg/CameraInfo channel beside the camera (its namespace + /camera_info, CDR,
// plumb_bob with the D given, the frames' size from the first JPEG's size is not known here: 0), one message
// before each frame.
// --tf-static PARENT:CHILD:X:Y:Z:QX:QY:QZ:QW[;...]: a /tf_static channel (tf2_msgs/msg/TFMessage, CDR) whose one message
// is sent when a client subscribes to it, as foxglove_bridge sends a latched topic.
// --tf-topic T: those transforms on T instead (e.g. /tf, as ROS 1 robots publish fixed mounts), not latched: sent every
// --period-ms from the start, each message with them and a moving odom → base_footprint transform (10 m/s ahead).
// --foxglove: the camera as foxglove.CompressedImage in protobuf (what a Foxglove SDK server sends), its schema the
// FileDescriptorSet of the .proto Foxglove's generator (@foxglove/schemas) writes, base64 in the advertisement.
//
// --packets DIR [--video-format h264]: a video topic (foxglove_msgs/msg/CompressedVideo, CDR), one packet per file.
// --tls-pfx FILE.p12 [--tls-passphrase P]: served over TLS (wss://), with that certificate and key.
//
// Prints {"listening": PORT} first and {"sent": N} when done.
import { readdir, readFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { parseArgs } from "node:util";
import wsProtocol from "@foxglove/ws-protocol";
import { parse as parseRosMsg } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { WebSocketServer } from "ws";
import protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor/index.js";
import foxgloveSchemas from "@foxglove/schemas/internal.js";
const { FoxgloveServer } = wsProtocol;

const { values } = parseArgs({
  options: {
    jpegs: { type: "string" },
    port: { type: "string", default: "0" },
    "period-ms": { type: "string", default: "40" },
    "start-ns": { type: "string", default: "1700000000000000000" },
    topic: { type: "string", default: "/camera/front/compressed" },
    "frame-id": { type: "string", default: "camera_front" },
    repeat: { type: "string", default: "1" },
    timeout: { type: "string", default: "60" },
    foxglove: { type: "boolean", default: false },
    "camera-info": { type: "string" },
    "tf-static": { type: "string" },
    "tf-topic": { type: "string", default: "/tf_static" },
    motion: { type: "string" },
    packets: { type: "string" },
    "video-format": { type: "string", default: "h264" },
    "tls-pfx": { type: "string" },
    "tls-passphrase": { type: "string" },
  },
});
if (!values.jpegs && !values.packets) {
  process.stderr.write("ws-camera: --jpegs DIR (or --packets DIR) is required\n");
  process.exit(2);
}
const DELIMITER = "=".repeat(80) + "\n";
const COMPRESSED_IMAGE = "std_msgs/Header header\nstring format\nuint8[] data\n"
  + "\n" + DELIMITER + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
  + "\n" + DELIMITER + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n";
const writer = new MessageWriter(parseRosMsg(COMPRESSED_IMAGE, { ros2: true }));
// --packets DIR: a video stream instead, one packet per file (name order), as foxglove_msgs/msg/CompressedVideo in
// CDR (its ROS 2 definition as Foxglove's generator writes it), format --video-format (h264)
const source = values.packets ?? values.jpegs;
const names = (await readdir(source)).filter((n) => values.packets || n.endsWith(".jpg")).sort();
const frames = await Promise.all(names.map((n) => readFile(path.join(source, n))));
const VIDEO = values.packets ? foxgloveSchemas.generateRosMsg(foxgloveSchemas.generateRosMsgDefinition(
  foxgloveSchemas.foxgloveMessageSchemas.CompressedVideo, { rosVersion: 2 }), { rosVersion: 2 }) : null;
const videoWriter = VIDEO ? new MessageWriter(parseRosMsg(VIDEO, { ros2: true })) : null;

const server = new FoxgloveServer({ name: "reference-camera", capabilities: [], supportedEncodings: ["cdr"] });
const ODOMETRY = "std_msgs/Header header\nstring child_frame_id\ngeometry_msgs/PoseWithCovariance pose\n"
  + "geometry_msgs/TwistWithCovariance twist\n"
  + "\n" + DELIMITER + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
  + "\n" + DELIMITER + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/PoseWithCovariance\ngeometry_msgs/Pose pose\nfloat64[36] covariance\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/Pose\ngeometry_msgs/Point position\ngeometry_msgs/Quaternion orientation\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/Point\nfloat64 x\nfloat64 y\nfloat64 z\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/Quaternion\nfloat64 x\nfloat64 y\nfloat64 z\nfloat64 w\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/TwistWithCovariance\ngeometry_msgs/Twist twist\nfloat64[36] covariance\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/Twist\ngeometry_msgs/Vector3 linear\ngeometry_msgs/Vector3 angular\n"
  + "\n" + DELIMITER + "MSG: geometry_msgs/Vector3\nfloat64 x\nfloat64 y\nfloat64 z\n";
const odom = server.addChannel({ topic: "/odom", encoding: "cdr", schemaName: "nav_msgs/msg/Odometry",
  schema: values.motion ? ODOMETRY : "" });
let motion = null;
if (values.motion) {
  const [speed, yaw] = values.motion.split(",").map(Number);
  const odomWriter = new MessageWriter(parseRosMsg(ODOMETRY, { ros2: true }));
  const zero = { x: 0, y: 0, z: 0 };
  motion = (stamp) => server.sendMessage(odom, 0n, odomWriter.writeMessage({
    header: { stamp, frame_id: "odom" }, child_frame_id: "base_link",
    pose: { pose: { position: zero, orientation: { x: 0, y: 0, z: 0, w: 1 } }, covariance: new Float64Array(36) },
    twist: { twist: { linear: { x: speed, y: 0, z: 0 }, angular: { x: 0, y: 0, z: yaw } },
      covariance: new Float64Array(36) },
  }));
}
// foxglove.CompressedImage as Foxglove's generator defines it, with google.protobuf.Timestamp beside it
function foxgloveImage() {
  const root = new protobuf.Root();
  root.addJSON(protobuf.common["google/protobuf/timestamp.proto"].nested);
  protobuf.parse(foxgloveSchemas.generateProto(foxgloveSchemas.foxgloveMessageSchemas.CompressedImage, []), root,
    { keepCase: true });
  root.resolveAll();
  const type = root.lookupType("foxglove.CompressedImage");
  const TYPES = { string: "TYPE_STRING", bytes: "TYPE_BYTES" };
  const set = descriptor.FileDescriptorSet.fromObject({ file: [
    { name: "google/protobuf/timestamp.proto", package: "google.protobuf", syntax: "proto3", messageType: [{
      name: "Timestamp", field: [
        { name: "seconds", number: 1, label: "LABEL_OPTIONAL", type: "TYPE_INT64" },
        { name: "nanos", number: 2, label: "LABEL_OPTIONAL", type: "TYPE_INT32" }] }] },
    { name: "foxglove/CompressedImage.proto", package: "foxglove", syntax: "proto3",
      dependency: ["google/protobuf/timestamp.proto"], messageType: [{ name: "CompressedImage",
        field: type.fieldsArray.map((f) => ({ name: f.name, number: f.id, label: "LABEL_OPTIONAL",
          type: f.resolvedType ? "TYPE_MESSAGE" : TYPES[f.type],
          ...(f.resolvedType ? { typeName: ".google.protobuf.Timestamp" } : {}) })) }] },
  ] });
  return { type, schema: Buffer.from(descriptor.FileDescriptorSet.encode(set).finish()).toString("base64") };
}
const fox = values.foxglove ? foxgloveImage() : null;
const camera = server.addChannel(fox
  ? { topic: values.topic, encoding: "protobuf", schemaName: "foxglove.CompressedImage", schema: fox.schema,
    schemaEncoding: "protobuf" }
  : VIDEO ? { topic: values.topic, encoding: "cdr", schemaName: "foxglove_msgs/msg/CompressedVideo", schema: VIDEO }
  : { topic: values.topic, encoding: "cdr", schemaName: "sensor_msgs/msg/CompressedImage", schema: COMPRESSED_IMAGE });
// --tls-pfx FILE --tls-passphrase P: wss:// — the server's certificate and key in PKCS#12, over node's own TLS
// (foxglove_bridge's tls, certfile and keyfile)
const tls = values["tls-pfx"]
  ? https.createServer({ pfx: await readFile(values["tls-pfx"]), passphrase: values["tls-passphrase"] ?? "" })
  : null;
const wss = new WebSocketServer({
  ...(tls ? { server: tls } : { host: "127.0.0.1", port: Number(values.port) }),
  handleProtocols: (protocols) => server.handleProtocols(protocols),
});
if (tls) {
  tls.listen(Number(values.port), "127.0.0.1", () =>
    process.stdout.write(JSON.stringify({ listening: tls.address().port }) + "\n"));
}
let started = false;
let sent = 0;
function finish() {
  for (const client of wss.clients) client.close(1000, "done");
  process.stdout.write(JSON.stringify({ sent }) + "\n");
  setTimeout(() => process.exit(0), 200);
}
const CAMERA_INFO = "std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\nfloat64[] d\n"
  + "float64[9] k\nfloat64[9] r\nfloat64[12] p\nuint32 binning_x\nuint32 binning_y\nsensor_msgs/RegionOfInterest roi\n"
  + "\n" + DELIMITER + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
  + "\n" + DELIMITER + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n"
  + "\n" + DELIMITER + "MSG: sensor_msgs/RegionOfInterest\nuint32 x_offset\nuint32 y_offset\nuint32 height\n"
  + "uint32 width\nbool do_rectify\n";
let info = null;
if (values["camera-info"]) {
  const [fx, fy, cx, cy, ...d] = values["camera-info"].split(",").map(Number);
  const infoWriter = new MessageWriter(parseRosMsg(CAMERA_INFO, { ros2: true }));
  const id = server.addChannel({
    topic: values.topic.slice(0, values.topic.lastIndexOf("/")) + "/camera_info", encoding: "cdr",
    schemaName: "sensor_msgs/msg/CameraInfo", schema: CAMERA_INFO,
  });
  info = (stamp) => server.sendMessage(id, 0n, infoWriter.writeMessage({
    header: { stamp, frame_id: values["frame-id"] }, height: 0, width: 0, distortion_model: "plumb_bob",
    d: Float64Array.from(d), k: Float64Array.from([fx, 0, cx, 0, fy, cy, 0, 0, 1]),
    r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), p: Float64Array.from([fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0]),
    binning_x: 0, binning_y: 0, roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
  }));
}
let tfChannel = null;
let tfMessage = null;
if (values["tf-static"]) {
  const TF = "geometry_msgs/TransformStamped[] transforms\n"
    + "\n" + DELIMITER + "MSG: geometry_msgs/TransformStamped\nstd_msgs/Header header\nstring child_frame_id\n"
    + "geometry_msgs/Transform transform\n"
    + "\n" + DELIMITER + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
    + "\n" + DELIMITER + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n"
    + "\n" + DELIMITER + "MSG: geometry_msgs/Transform\ngeometry_msgs/Vector3 translation\n"
    + "geometry_msgs/Quaternion rotation\n"
    + "\n" + DELIMITER + "MSG: geometry_msgs/Vector3\nfloat64 x\nfloat64 y\nfloat64 z\n"
    + "\n" + DELIMITER + "MSG: geometry_msgs/Quaternion\nfloat64 x\nfloat64 y\nfloat64 z\nfloat64 w\n";
  const transforms = values["tf-static"].split(";").map((entry) => {
    const [parent, child, ...v] = entry.split(":");
    const n = v.map(Number);
    return { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: parent }, child_frame_id: child,
      transform: { translation: { x: n[0], y: n[1], z: n[2] }, rotation: { x: n[3], y: n[4], z: n[5], w: n[6] } } };
  });
  const tfWriter = new MessageWriter(parseRosMsg(TF, { ros2: true }));
  tfMessage = tfWriter.writeMessage({ transforms });
  tfChannel = server.addChannel({ topic: values["tf-topic"], encoding: "cdr", schemaName: "tf2_msgs/msg/TFMessage",
    schema: TF });
  if (values["tf-topic"] !== "/tf_static") {
    const period = Number(values["period-ms"]);
    let n = 0;
    const moving = setInterval(() => {
      const odom = { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "odom" }, child_frame_id: "base_footprint",
        transform: { translation: { x: 10 * n * period / 1000, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } } };
      n++;
      server.sendMessage(tfChannel, 0n, tfWriter.writeMessage({ transforms: [odom, ...transforms] }));
    }, period);
    moving.unref();
  }
}
server.on("subscribe", (channelId) => {
  if (channelId === tfChannel && values["tf-topic"] === "/tf_static") server.sendMessage(tfChannel, 0n, tfMessage);
  if (channelId !== camera || started) return;
  started = true;
  const period = Number(values["period-ms"]);
  const total = frames.length * Number(values.repeat);
  const start = BigInt(values["start-ns"]);
  const timer = setInterval(() => {
    if (sent >= total) {
      clearInterval(timer);
      setTimeout(finish, 300);
      return;
    }
    const t = start + BigInt(sent) * BigInt(period) * 1_000_000n;
    const stamp = { sec: Number(t / 1_000_000_000n), nanosec: Number(t % 1_000_000_000n) };
    const data = videoWriter
      ? videoWriter.writeMessage({ timestamp: stamp, frame_id: values["frame-id"], data: frames[sent % frames.length],
        format: values["video-format"] })
      : fox
      ? fox.type.encode(fox.type.fromObject({ timestamp: { seconds: stamp.sec, nanos: stamp.nanosec },
        frame_id: values["frame-id"], data: frames[sent % frames.length], format: "jpeg" })).finish()
      : writer.writeMessage({
        header: { stamp, frame_id: values["frame-id"] }, format: "jpeg", data: frames[sent % frames.length],
      });
    if (info) info(stamp);
    if (motion) motion(stamp);
    server.sendMessage(camera, t, data);
    sent++;
  }, period);
});
server.on("error", (e) => process.stderr.write(`ws-camera: ${e}\n`));
if (!tls) wss.on("listening", () => process.stdout.write(JSON.stringify({ listening: wss.address().port }) + "\n"));
wss.on("connection", (conn, req) => server.handleConnection(conn, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
setTimeout(finish, Number(values.timeout) * 1000);
