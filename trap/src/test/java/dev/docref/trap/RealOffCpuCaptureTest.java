package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The trap end to end with a real BCC {@code offcputime} on a real freeze: a child JVM ({@link FreezingService})
 * holds a monitor for 8 s while its health endpoint and a stream of new threads block on it; {@code docref-trap
 * watch} runs a probe that hangs for as long as the freeze lasts. Needs root (or CAP_BPF and CAP_PERFMON) and BCC's
 * libbpf-tools or Python tool ({@code .ci/run} installs libbpf-tools); without them it is skipped and says why.
 * Takes about 15 s.
 */
class RealOffCpuCaptureTest
{
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(1);
    private static final int FREEZE_MILLIS = 8000;

    @Test
    void aFrozenJvmIsCaughtWithinTheProbeDeadlineAndItsBlockedThreadsShowFutexStacks(@TempDir final Path dir)
        throws Exception
    {
        final List<OffCpuProfiler.Tool> tools = OffCpuProfiler.findBccTools();
        skipUnless(!tools.isEmpty(), "no BCC offcputime on this machine (install it: " + OffCpuProfiler.INSTALL_HINT +
            ")");
        skipUnless(tools.stream().anyMatch(OffCpuProfiler::privileged), "no BCC offcputime here would get " +
            "CAP_BPF+CAP_PERFMON from this process (uid " + OffCpuProfiler.uid() +
            "), so BPF programs cannot be loaded");
        skipUnless(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash for the TCP probe");
        System.out.println("[real-bpf] RUNNING with " + tools);

        final Process child = TrapTesting.childJvm(FreezingService.class, "1500", Integer.toString(FREEZE_MILLIS),
            "200");
        final String previousCommand = System.clearProperty(FreezeTrap.COMMAND_PROP_NAME);
        try
        {
            final BufferedReader childOut = TrapTesting.stdout(child);
            final String port = TrapTesting.awaitLine(childOut, "PORT", Duration.ofSeconds(20));
            // Healthy: the endpoint answers "ok" under the service's monitor. Frozen: the read hangs.
            final String probe = "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port +
                " && echo ping >&3 && read -r -t 60 line <&3 && [ \"$line\" = ok ]'";
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();

            final int code = TrapCommand.run(new String[] { "watch", "--pid", Long.toString(child.pid()),
                "--probe-cmd", probe, "--probe-interval", "500ms", "--probe-deadline", "1s",
                "--capture-duration", "10s", "--dir", dir.toString(), "--once" },
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

            final String log = err.toString(StandardCharsets.UTF_8);
            assertEquals(TrapCommand.OK, code, log);
            final Instant freeze = Instant.ofEpochMilli(Long.parseLong(
                TrapTesting.awaitLine(childOut, "FREEZE", Duration.ofSeconds(5))));
            final Path capture = Path.of(out.toString(StandardCharsets.UTF_8).strip());
            assertTrue(capture.getFileName().toString().endsWith("-probe-deadline"), capture + "\n" + log);

            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            final Instant fired = Instant.parse(summary.get("firedAt").asText());
            // The first probe that meets the freeze starts within one interval of it, and the watchdog fires at its
            // deadline (plus one watchdog tick and process start-up slack).
            final Duration latency = Duration.between(freeze, fired);
            System.out.println("[real-bpf] fired " + latency.toMillis() + " ms after the freeze began");
            assertTrue(latency.compareTo(PROBE_DEADLINE.minusMillis(100)) >= 0 &&
                latency.compareTo(PROBE_INTERVAL.plus(PROBE_DEADLINE).plusMillis(1000)) <= 0,
                "fired " + latency.toMillis() + " ms after the freeze began");
            // Where BCC's Python tool is installed but cannot compile (no kernel headers), it fails first and
            // libbpf-tools runs for the rest of the window: the run that produced the stacks is the last one.
            final JsonNode runs = summary.get("toolRuns");
            final JsonNode used = runs.get(runs.size() - 1);
            System.out.println("[real-bpf] tool runs: " + runs.size() + ", stacks from " + summary.get("tool"));
            assertEquals(0, used.get("exitCode").asInt(), summary.toString());
            assertEquals(summary.get("tool").asText(), used.get("name").asText());
            for (int i = 0; i < runs.size() - 1; i++)
            {
                assertTrue(runs.get(i).get("exitCode").asInt() != 0 && runs.get(i).get("elapsedMillis").asLong() < 5000,
                    "only a tool that failed quickly is followed by another: " + runs.get(i));
            }
            assertTrue(summary.get("stall").get("probeHangMillis").asLong() >= FREEZE_MILLIS / 2,
                summary.get("stall").toString());

            final FoldedStacks stacks = FoldedStacks.parseFolded(
                Files.readString(capture.resolve(Capture.FOLDED)));
            final Set<String> blockedInFutex = new TreeSet<>();
            for (final Map.Entry<String, Long> stack : stacks.stacks().entrySet())
            {
                if (stack.getKey().startsWith("blocked-") && stack.getKey().contains("futex") &&
                    stack.getValue() >= 1_000_000)
                {
                    blockedInFutex.add(stack.getKey().substring(0, stack.getKey().indexOf(';')));
                }
            }
            System.out.println("[real-bpf] threads blocked in futex for 1 s or more: " + blockedInFutex);
            assertTrue(blockedInFutex.size() >= 3, "blocked threads with a futex kernel stack of 1 s or more: " +
                blockedInFutex + "\n" + stacks.toFoldedText());
            assertTrue(stacks.toFoldedText().contains("futex_wait_[k]") ||
                stacks.toFoldedText().contains("futex_wait_queue"), "kernel frames are marked");

            final String svg = Files.readString(capture.resolve(Capture.SVG));
            final Document document = TrapTesting.xml(svg);
            assertEquals("svg", document.getDocumentElement().getLocalName());
            assertTrue(svg.contains("<title>blocked-"), "the blocked threads are in the flame graph");
            final String threads = Files.readString(capture.resolve(Capture.THREADS));
            assertTrue(threads.contains("\"blocked-0\"") && threads.contains("BLOCKED (on object monitor)"),
                "jcmd thread dump of the child");
            System.out.println("[real-bpf] RAN: " + stacks.size() + " stacks, " + stacks.totalMicros() +
                " us off-CPU, in " + capture);
        }
        finally
        {
            if (previousCommand != null)
            {
                System.setProperty(FreezeTrap.COMMAND_PROP_NAME, previousCommand);
            }
            TrapTesting.stop(child);
        }
    }

    private static void skipUnless(final boolean condition, final String reason)
    {
        if (!condition)
        {
            System.out.println("[real-bpf] SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
    }
}
