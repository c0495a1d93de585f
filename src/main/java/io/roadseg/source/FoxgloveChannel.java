package io.roadseg.source;

import io.roadseg.ros.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One channel a Foxglove WebSocket server advertises ({@code foxglove.websocket.v1}'s {@code advertise} op): its id,
 * topic, message encoding ({@code cdr}, {@code protobuf}, {@code ros1}, {@code json}), schema name, schema text (base64
 * for binary schemas) and schema encoding.
 */
public record FoxgloveChannel(long id, String topic, String encoding, String schemaName, String schema,
                              String schemaEncoding) {

    /** The schema's bytes: a protobuf or flatbuffer schema decoded from base64, a text schema as UTF-8. */
    public byte[] schemaBytes() {
        return "protobuf".equals(schemaEncoding) || "flatbuffer".equals(schemaEncoding)
                ? Base64.getDecoder().decode(schema) : schema.getBytes(StandardCharsets.UTF_8);
    }

    /** The channels of one parsed {@code advertise} message. */
    static List<FoxgloveChannel> advertised(Map<String, Object> message) {
        List<FoxgloveChannel> list = new ArrayList<>();
        for (Object o : Json.array(message.get("channels"))) {
            Map<String, Object> c = Json.object(o);
            list.add(new FoxgloveChannel(((Number) c.get("id")).longValue(), String.valueOf(c.get("topic")),
                    String.valueOf(c.get("encoding")), String.valueOf(c.get("schemaName")),
                    c.get("schema") == null ? "" : String.valueOf(c.get("schema")),
                    c.get("schemaEncoding") == null ? "" : String.valueOf(c.get("schemaEncoding"))));
        }
        return list;
    }
}
