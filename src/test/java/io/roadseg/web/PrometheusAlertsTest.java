package io.roadseg.web;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alerting rules shipped for {@code /metrics} ({@code docs/prometheus/alerts.yml}) against Prometheus' own
 * {@code promtool}: they load, their unit tests pass (and a rule made too slow fails them), and every metric they read
 * is one roadseg's exposition has.
 */
class PrometheusAlertsTest {
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final Path RULES = Path.of("docs/prometheus/alerts.yml");
    static final Path TESTS = Path.of("docs/prometheus/alerts.test.yml");

    @TempDir
    Path dir;

    private static String promtool(Path workDir, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = PROMTOOL.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool hung");
        return p.exitValue() + "\n" + out;
    }

    @Test
    void theRulesLoadAndPassTheirTestsAndASlowerRuleFailsThem() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), PROMTOOL + " not installed (Debian: prometheus)");
        Path here = Path.of("").toAbsolutePath();
        String check = promtool(here, "check", "rules", RULES.toString());
        assertTrue(check.startsWith("0\n") && check.contains("SUCCESS: 6 rules found"), check);
        String test = promtool(here, "test", "rules", TESTS.toString());
        assertTrue(test.startsWith("0\n") && test.contains("SUCCESS"), test);

        // the tests can fail: a camera alert held back to 20 s does not fire when they expect it
        Files.writeString(dir.resolve("alerts.yml"), Files.readString(RULES).replaceFirst("for: 2s", "for: 20s"));
        Files.copy(TESTS, dir.resolve("alerts.test.yml"));
        String slower = promtool(dir, "test", "rules", "alerts.test.yml");
        assertNotEquals('0', slower.charAt(0), slower);
        assertTrue(slower.contains("RoadsegCameraUnusable"), slower);
    }

    @Test
    void everyMetricTheRulesReadIsExposed() throws Exception {
        Set<String> read = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(roadseg_[a-z_]+)").matcher(Files.readString(RULES));
        while (m.find()) {
            read.add(m.group(1));
        }
        assertTrue(read.size() >= 8, "the rules read " + read);
        LiveMetrics metrics = new LiveMetrics("roadseg.onnx", "cpu", "v4l2:///dev/video0", "544x304",
                new AtomicLong(), new AtomicLong(), new AtomicLong());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        Set<String> exposed = new TreeSet<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                exposed.add(line.split("[{ ]", 2)[0]);
            }
        }
        for (String name : read) {
            assertTrue(exposed.contains(name), name + " is not exposed: " + exposed);
        }
        assertEquals(6, Pattern.compile("- alert: ").matcher(Files.readString(RULES)).results().count());
    }

    /**
     * The two camera alerts cover every issue, each at the severity {@code CameraIssue.unusable()} gives it (the one
     * the {@code /diagnostics} status follows): a new issue, or one whose severity changes, cannot miss the rules.
     */
    @Test
    void theCameraAlertsFollowEachIssuesSeverity() throws Exception {
        String rules = Files.readString(RULES);
        Set<String> critical = issuesOf(rules, "RoadsegCameraUnusable");
        Set<String> warning = issuesOf(rules, "RoadsegCameraDegraded");
        Set<String> unusable = new TreeSet<>();
        Set<String> degraded = new TreeSet<>();
        for (io.roadseg.preprocess.CameraIssue i : io.roadseg.preprocess.CameraIssue.ALL) {
            (i.unusable() ? unusable : degraded).add(i.key());
        }
        assertEquals(unusable, critical);
        assertEquals(degraded, warning);
    }

    private static Set<String> issuesOf(String rules, String alert) {
        Matcher m = Pattern.compile("- alert: " + alert + "\\n(?:.*\\n)*?.*issue=~\"([a-z_|]+)\"").matcher(rules);
        assertTrue(m.find(), alert + " has no issue=~ selector");
        return new TreeSet<>(java.util.List.of(m.group(1).split("\\|")));
    }
}
