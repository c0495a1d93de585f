/**
 * Where processed frames go, all fed by the pipeline's sink stage on one thread:
 * <ul>
 *   <li>{@link io.roadseg.sink.VideoWriter} — the annotated picture as H.264 in a fragmented MP4 or MKV file
 *       (playable even if the run is killed), or streamed through FFmpeg ({@code udp://}, {@code rtp://},
 *       {@code rtmp://}, {@code srt://}); the encoder is chosen deliberately and the one that really opened is
 *       reported.</li>
 *   <li>{@link io.roadseg.sink.JsonLinesSink} — one JSON object per frame for other programs.</li>
 *   <li>{@link io.roadseg.sink.CallbackSink} — a {@link io.roadseg.sink.FrameListener} for code embedding roadseg.</li>
 *   <li>{@link io.roadseg.sink.McapSink} — the results as ROS 2 messages in an MCAP file
 *       ({@link io.roadseg.sink.ResultMessages} encodes them once for every ROS-facing output).</li>
 *   <li>{@link io.roadseg.sink.FoxgloveServerSink} — live to Foxglove viewers (Foxglove WebSocket protocol);
 *       {@link io.roadseg.sink.FoxglovePublishSink} — live into {@code foxglove_bridge}, onto ROS 2 topics.</li>
 *   <li>{@code io.roadseg.web.LiveView} — the browser view and Prometheus metrics.</li>
 * </ul>
 */
package io.roadseg.sink;
