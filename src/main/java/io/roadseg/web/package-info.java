/**
 * The running pipeline in a browser and to Prometheus ({@code run --http}): {@link io.roadseg.web.LiveView} serves the
 * page (resources beside this package, uPlot vendored), the MJPEG video, Server-Sent Events for the charts and
 * {@code /metrics} ({@link io.roadseg.web.LiveMetrics}); viewers get the newest frame or none and never slow the ring.
 */
package io.roadseg.web;
