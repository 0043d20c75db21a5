package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * Takes about 15 s. Of the blocked threads, only those that blocked after the tool had certainly attached, and long
 * enough before the thaw, must show: a machine so loaded that fewer than 3 did is skipped, saying when the tool
 * attached.
 */
class RealOffCpuCaptureTest
{
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(1);
    private static final int FREEZE_MILLIS = 8000;
    /** How many threads that blocked while the tool watched must show a futex stack of 1 s or more. */
    private static final int MUST_SHOW_THREADS = 3;
    /**
     * How long before the thaw such a thread must have blocked: the 1 s the check asks for, and room for a thread
     * preempted between saying it blocks and blocking, and for the lock's hand-over after the thaw.
     */
    private static final Duration MUST_SHOW_WAIT = Duration.ofMillis(1500);
    /** How long after the thaw the window must still be open for the blocked threads to have run again. */
    private static final Duration WAKE_SLACK = Duration.ofMillis(500);

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

            // The tool sees a wait only if it saw the wait begin, and records it when the thread runs again: only
            // the threads that blocked after it had attached, and long enough before the thaw, must show. On a
            // loaded machine it attaches late and sees few, which is no fault of the trap.
            final Map<String, Instant> blocks = new TreeMap<>();
            final Instant thaw = readBlocksUntilThaw(childOut, blocks);
            final Attachment attachment = Attachment.of(summary, freeze, thaw);
            System.out.println("[real-bpf] " + attachment);
            final Set<String> mustShow = new TreeSet<>();
            for (final Map.Entry<String, Instant> block : blocks.entrySet())
            {
                if (attachment.sawBegin(block.getValue()) &&
                    Duration.between(block.getValue(), thaw).compareTo(MUST_SHOW_WAIT) >= 0 &&
                    attachment.sawEnd(thaw))
                {
                    mustShow.add(block.getKey());
                }
            }
            skipUnless(mustShow.size() >= MUST_SHOW_THREADS, "the tool attached too late to be sure of seeing " +
                MUST_SHOW_THREADS + " threads block " + MUST_SHOW_WAIT.toMillis() + " ms or more before the thaw (" +
                attachment + "): only " + mustShow + " did");
            final Set<String> shown = new TreeSet<>(mustShow);
            shown.retainAll(blockedInFutex);
            assertTrue(shown.size() >= MUST_SHOW_THREADS, "of the " + mustShow.size() + " threads that blocked " +
                "after the tool had attached and " + MUST_SHOW_WAIT.toMillis() + " ms or more before the thaw " +
                mustShow + ", only " + shown + " have a futex kernel stack of 1 s or more (" + MUST_SHOW_THREADS +
                " must; " + attachment + "); all blocked threads with one: " + blockedInFutex + " (libbpf-tools " +
                "files a wait under the name the thread had when it first waited with that stack, often its " +
                "start-up name java: trap.md, Some thread names)\n" + stacks.toFoldedText());
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

    /**
     * Reads the child's {@code BLOCKS} lines into {@code blocks} (thread name to when it blocked) up to its
     * {@code THAW} line.
     *
     * @return when the freeze ended.
     */
    private static Instant readBlocksUntilThaw(final BufferedReader childOut, final Map<String, Instant> blocks)
        throws IOException
    {
        String line;
        while ((line = childOut.readLine()) != null)
        {
            final String[] words = line.split(" ");
            if (words[0].equals("THAW"))
            {
                return Instant.ofEpochMilli(Long.parseLong(words[1]));
            }
            if (words[0].equals("BLOCKS"))
            {
                blocks.put(words[1], Instant.ofEpochMilli(Long.parseLong(words[2])));
            }
        }
        throw new AssertionError("the child ended without a THAW line");
    }

    /**
     * When the tool that produced the stacks watched, as far as the summary tells. It records no time of
     * attachment, but bounds it: the tool started no earlier than the capture began plus the runs before it, and
     * had attached by its window's length before the profile ended, since once attached it sleeps out its window
     * and then prints. Its window ended no earlier than its earliest start plus the window.
     *
     * @param freeze         when the freeze began, for the message.
     * @param earliestStart  the earliest the tool can have started.
     * @param attachedBy     the latest it can have attached.
     * @param windowEndsFrom the earliest its window can have ended.
     */
    private record Attachment(Instant freeze, Instant earliestStart, Instant attachedBy, Instant windowEndsFrom)
    {
        static Attachment of(final JsonNode summary, final Instant freeze, final Instant thaw)
        {
            final JsonNode runs = summary.get("toolRuns");
            Instant earliestStart = Instant.parse(summary.get("captureStartedAt").asText());
            for (int i = 0; i < runs.size() - 1; i++)
            {
                earliestStart = earliestStart.plusMillis(runs.get(i).get("elapsedMillis").asLong());
            }
            final String[] command = runs.get(runs.size() - 1).get("commandLine").asText().split(" ");
            final Duration window = Duration.ofSeconds(Long.parseLong(command[command.length - 1]));
            final Instant profileEnded = Instant.parse(summary.get("profileEndedAt").asText());
            return new Attachment(freeze, earliestStart, profileEnded.minus(window), earliestStart.plus(window));
        }

        /** @return whether the tool had certainly attached at {@code instant}. */
        boolean sawBegin(final Instant instant)
        {
            return !instant.isBefore(attachedBy);
        }

        /** @return whether the tool's window was certainly still open a little after {@code instant}. */
        boolean sawEnd(final Instant instant)
        {
            return instant.plus(WAKE_SLACK).isBefore(windowEndsFrom);
        }

        @Override
        public String toString()
        {
            return "the tool started " + Duration.between(freeze, earliestStart).toMillis() + " ms or more after the " +
                "freeze began and had attached " + Duration.between(freeze, attachedBy).toMillis() + " ms after it " +
                "at the latest; its window ended " + Duration.between(freeze, windowEndsFrom).toMillis() + " ms or " +
                "more after it";
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
