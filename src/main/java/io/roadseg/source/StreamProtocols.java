package io.roadseg.source;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The FFmpeg options each network protocol needs to open as a client, with bounded waits. FFmpeg's option names differ
 * per protocol, and the same name can mean opposite things: for {@code rtmp} {@code timeout} is how long to wait for
 * an incoming connection and implies listening, so a client given it hangs as a server; for {@code rtsp},
 * {@code http}, {@code tcp}, {@code udp} and {@code srt} it bounds socket I/O. {@code rw_timeout} (the generic I/O
 * timeout of FFmpeg's AVIOContext) is set wherever the protocol reads through one. Timeouts are in microseconds
 * except where noted.
 *
 * <p>Immutable; pure functions.
 */
public final class StreamProtocols {
    private StreamProtocols() {
    }

    /**
     * @param url           the stream's URL
     * @param timeoutMicros bound on connecting and on waiting for data
     * @return the options in the order they are set; empty for an unknown scheme
     */
    public static Map<String, String> clientOptions(String url, long timeoutMicros) {
        String scheme = url.contains("://") ? url.substring(0, url.indexOf("://")).toLowerCase(Locale.ROOT) : "";
        String t = Long.toString(timeoutMicros);
        Map<String, String> o = new LinkedHashMap<>();
        switch (scheme) {
            case "rtsp", "rtsps" -> {
                o.put("timeout", t);               // socket I/O, connecting included
                o.put("rtsp_transport", "tcp");     // interleaved: no UDP ports to open, works through NAT
                o.put("max_delay", "200000");
            }
            case "rtmp", "rtmps", "rtmpt", "rtmpe", "rtmpte", "rtmpts" -> {
                o.put("rw_timeout", t);             // never "timeout": for rtmp it means listen for a client
                o.put("rtmp_live", "live");
            }
            case "http", "https" -> {
                o.put("timeout", t);
                o.put("rw_timeout", t);
                o.put("reconnect", "0");
            }
            case "tcp" -> {
                o.put("timeout", t);
                o.put("rw_timeout", t);
                o.put("listen", "0");
            }
            case "udp" -> {
                o.put("timeout", t);                // read mode: raise an error when nothing arrives
                o.put("rw_timeout", t);
                o.put("overrun_nonfatal", "1");
                o.put("fifo_size", "100000");
            }
            case "rtp" -> {
                o.put("timeout", t);                // socket I/O of the RTP and RTCP UDP sockets
                o.put("rw_timeout", t);
                o.put("overrun_nonfatal", "1");
                o.put("fifo_size", "100000");
            }
            case "srt" -> {
                o.put("mode", "caller");
                o.put("connect_timeout", Long.toString(Math.max(1, timeoutMicros / 1000))); // milliseconds
                o.put("timeout", t);
                o.put("rw_timeout", t);
            }
            default -> {
            }
        }
        return o;
    }
}
