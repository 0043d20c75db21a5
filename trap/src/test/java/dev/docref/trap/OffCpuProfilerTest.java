package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The profiler's fallback, timeouts and output handling, with shell scripts standing in for the BCC tools (the
 * real tools run in {@link RealOffCpuCaptureTest}).
 */
class OffCpuProfilerTest
{
    private static final String LIBBPF_BLOCK =
        "printf '    schedule\\n    futex_wait\\n    -      java (7)\\n        42\\n\\n'";

    @TempDir
    Path dir;

    @Test
    void aToolThatFailsQuicklyIsFollowedByTheNextForTheRestOfTheWindowAndTriedLastAfterwards() throws Exception
    {
        final Path python = TrapTesting.script(dir, "offcputime-bpfcc",
            "echo 'modprobe: FATAL: Module kheaders not found' >&2\necho 'Failed to compile BPF module' >&2\nexit 1");
        final Path libbpf = TrapTesting.script(dir, "offcputime", "echo \"args: $*\" >&2\n" + LIBBPF_BLOCK);
        final OffCpuProfiler.Tool pythonTool =
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.BCC_PYTHON, python.toString());
        final OffCpuProfiler.Tool libbpfTool =
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS, libbpf.toString());
        final OffCpuProfiler profiler = TrapTesting.profiler(Duration.ofSeconds(5), pythonTool, libbpfTool);

        final OffCpuProfiler.Result result = profiler.profile(4242, Duration.ofSeconds(3), dir);

        assertSame(libbpfTool, result.used());
        assertEquals(Map.of("java;futex_wait_[k];schedule_[k]", 42L), result.stacks().stacks());
        assertEquals(2, result.runs().size());
        final ToolRun failed = result.runs().get(0);
        assertEquals(1, failed.exitCode());
        assertEquals(List.of(python.toString(), "-K", "-f", "-p", "4242", "3"), failed.command());
        assertTrue(failed.stderrTail().contains("Failed to compile BPF module"), "stderr is kept");
        assertTrue(Files.readString(failed.stderr()).contains("kheaders"), "in its file too");
        assertTrue(result.problems().get(0).contains("exit 1"), result.problems().toString());
        assertTrue(result.problems().get(0).contains("Failed to compile BPF module"),
            "stderr's last line, the verdict");
        assertTrue(result.problems().get(0).contains("apt-get install libbpf-tools"), result.problems().toString());
        final String libbpfArgs = result.runs().get(1).stderrTail().strip();
        assertTrue(libbpfArgs.equals("args: -p 4242 3") || libbpfArgs.equals("args: -p 4242 2"),
            "the fallback gets the rest of the window in whole seconds: " + libbpfArgs);

        final OffCpuProfiler.Result next = profiler.profile(4242, Duration.ofSeconds(2), dir);

        assertSame(libbpfTool, next.used());
        assertEquals(1, next.runs().size(), "the tool that failed is tried last, and not needed");
    }

    @Test
    void aToolThatHangsIsKilledWithItsChildrenAtItsTimeout() throws Exception
    {
        final Path pidFile = dir.resolve("child.pid");
        final Path hanging = TrapTesting.script(dir, "hang",
            "echo 'attaching' >&2\nsleep 60 &\necho $! > " + pidFile + "\nwait");
        final OffCpuProfiler profiler = TrapTesting.profiler(Duration.ofMillis(300),
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS, hanging.toString()));

        final long start = System.nanoTime();
        final OffCpuProfiler.Result result = profiler.profile(1, Duration.ofSeconds(1), dir);
        final Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "returned after " + took);
        final ToolRun run = result.runs().get(0);
        assertTrue(run.timedOut());
        assertEquals(-1, run.exitCode());
        assertTrue(run.stderrTail().contains("attaching"));
        assertTrue(run.outcome().startsWith("killed after"), run.outcome());
        assertNull(result.used());
        assertTrue(result.stacks().isEmpty());
        final long child = Long.parseLong(Files.readString(pidFile).strip());
        final long gone = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < gone)
        {
            Thread.sleep(10);
        }
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the tool's child was killed");
    }

    /**
     * The trap closing interrupts the profiler: the running tool is killed and recorded once, no later tool is
     * started (each would only be killed at once, eating into the capture's wait for the kill), none is tried last
     * for it, and the thread stays interrupted for the capture.
     */
    @Test
    void anInterruptedProfileStartsNoFurtherToolAndDemotesNone() throws Exception
    {
        final Path started = dir.resolve("first-started");
        final Path touched = dir.resolve("second-ran");
        final OffCpuProfiler.Tool first = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND,
            "touch " + started + "; exec sleep 30");
        final OffCpuProfiler.Tool second = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND,
            "touch " + touched + "; sleep 30");
        final OffCpuProfiler.Tool third = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS, "/bin/sleep");
        final OffCpuProfiler profiler = TrapTesting.profiler(Duration.ofSeconds(5), first, second, third);
        final String order = profiler.describe();
        final AtomicReference<OffCpuProfiler.Result> result = new AtomicReference<>();
        final AtomicBoolean stillInterrupted = new AtomicBoolean();
        final Thread profiling = new Thread(() ->
        {
            result.set(profiler.profile(1, Duration.ofSeconds(20), dir));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        profiling.start();
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(started) && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(started), "the first tool started");

        profiling.interrupt();
        profiling.join(Duration.ofSeconds(30).toMillis());

        assertFalse(profiling.isAlive(), "profile() returned");
        assertEquals(1, result.get().runs().size(), "runs: " + result.get().runs());
        assertEquals("interrupted: the trap is closing", result.get().runs().get(0).failure());
        assertFalse(Files.exists(dir.resolve("tool-2-command.stdout")), "the second tool was not started");
        assertFalse(Files.exists(touched), "the second tool did not run");
        assertEquals(List.of(first.describe() + " was stopped (interrupted: the trap is closing)",
            second.describe() + " was not tried: the trap is closing",
            third.describe() + " was not tried: the trap is closing"), result.get().problems());
        assertTrue(stillInterrupted.get(), "the interrupt is kept for the caller");
        assertEquals(order, profiler.describe(), "no tool is tried last for an interrupt");
    }

    /**
     * Standard error's tail and a failing tool's verdict line are cut between characters, never inside one: half
     * of U+1F525 FIRE (two chars) cannot be written as UTF-8 into the capture's summary.
     */
    @Test
    void stderrTailsAndVerdictLinesAreCutBetweenCharactersNotInsideOne() throws Exception
    {
        final String fire = "\uD83D\uDD25";
        // 1,000 fires and an x: 2,001 chars, so the last 2,000 would begin with the second half of a fire.
        final Path stderr = Files.writeString(dir.resolve("t.stderr"), fire.repeat(1000) + "x");
        final ToolRun run = new ToolRun("t", List.of("t"), 1, false, Duration.ZERO, dir.resolve("t.stdout"), stderr,
            null);

        assertEquals(fire.repeat(999) + "x", run.stderrTail());

        // A verdict line of 196 zeros, a fire (its UTF-8 bytes in octal) and 100 zeros: cut at 197 chars, in the fire.
        final OffCpuProfiler.Tool failing = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND,
            "printf '%0196d\\360\\237\\224\\245%0100d\\n' 0 0 >&2; exit 1");
        final String problem = TrapTesting.profiler(Duration.ofSeconds(5), failing)
            .profile(1, Duration.ofSeconds(1), dir).problems().get(0);

        assertTrue(problem.endsWith(": " + "0".repeat(196) + "...)"), problem);
        assertTrue(StandardCharsets.UTF_8.newEncoder().canEncode(problem), "whole characters only");
    }

    @Test
    void aChildTheToolForksWhileBeingKilledIsKilledToo() throws Exception
    {
        // On SIGTERM the script forks one more child and exits: a child no list of its children taken before the
        // kill could name, left to init. setsid puts it in the tool's process group, which the kill reaches.
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")),
            "needs util-linux setsid");
        final String marker = "4" + (1 + new java.util.Random().nextInt(8)) + ".7" + new java.util.Random().nextInt(99);
        final Path script = TrapTesting.script(dir, "forks-on-term",
            "trap 'sleep " + marker + " & exit 0' TERM\nsleep 100 &\nwait");
        final ToolRun run = ToolRun.execute("forks on TERM", List.of(script.toString()), Duration.ofMillis(500),
            dir.resolve("t.stdout"), dir.resolve("t.stderr"));
        assertTrue(run.timedOut());
        assertEquals(0, TrapTesting.awaitGone("sleep " + marker), "the child forked during the kill outlived it");
    }

    @Test
    void commandTemplateGetsThePidAndSecondsThroughTheShell()
    {
        final OffCpuProfiler profiler = TrapTesting.profiler(Duration.ofSeconds(5), new OffCpuProfiler.Tool(
            OffCpuProfiler.Kind.COMMAND, "printf 'pid%s;seconds%s 5\\n' {pid} {seconds}"));

        final OffCpuProfiler.Result result = profiler.profile(777, Duration.ofSeconds(4), dir);

        assertEquals(Map.of("pid777;seconds4", 5L), result.stacks().stacks());
        assertEquals(List.of("/bin/sh", "-c", "printf 'pid%s;seconds%s 5\\n' 777 4"), result.runs().get(0).command());
    }

    @Test
    void outputThatIsNotStacksCountsAsAFailureAndFallsBack() throws Exception
    {
        final OffCpuProfiler.Tool garbage = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND, "echo 'hello world'");
        final OffCpuProfiler.Tool good = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS,
            TrapTesting.script(dir, "good", LIBBPF_BLOCK).toString());

        final OffCpuProfiler.Result result = TrapTesting.profiler(Duration.ofSeconds(5), garbage, good)
            .profile(1, Duration.ofSeconds(3), dir);

        assertSame(good, result.used());
        assertTrue(result.problems().get(0).contains("not off-CPU stacks"), result.problems().toString());
        assertTrue(result.problems().get(0).contains("\"hello world\""), result.problems().toString());

        final OffCpuProfiler.Result next = TrapTesting.profiler(Duration.ofSeconds(5), garbage, good)
            .profile(1, Duration.ofSeconds(3), dir);
        assertEquals(2, next.runs().size(), "a new profiler tries the garbage first again");
    }

    @Test
    void aToolThatPrintsNoStacksIsTriedLastNextTimeAsAFailedOneIs() throws Exception
    {
        final OffCpuProfiler.Tool garbage = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND, "echo 'hello world'");
        final OffCpuProfiler.Tool good = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS,
            TrapTesting.script(dir, "good", LIBBPF_BLOCK).toString());
        final OffCpuProfiler profiler = TrapTesting.profiler(Duration.ofSeconds(5), garbage, good);

        assertEquals(2, profiler.profile(1, Duration.ofSeconds(3), dir).runs().size());
        final OffCpuProfiler.Result next = profiler.profile(1, Duration.ofSeconds(3), dir);

        assertSame(good, next.used());
        assertEquals(1, next.runs().size(), "the tool that printed no stacks is tried last, and not needed");
    }

    @Test
    void thePythonToolsFoldedOutputIsMarkedAsKernelStacks() throws Exception
    {
        final Path python = TrapTesting.script(dir, "py", "printf 'java;entry_SYSCALL_64;futex_wait 10\\n'");

        final OffCpuProfiler.Result result = TrapTesting.profiler(Duration.ofSeconds(5),
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.BCC_PYTHON, python.toString()))
            .profile(1, Duration.ofSeconds(1), dir);

        assertEquals(Map.of("java;entry_SYSCALL_64_[k];futex_wait_[k]", 10L), result.stacks().stacks());
    }

    @Test
    void noToolsMeansNoRunsAndTheReasonFromDetection()
    {
        final OffCpuProfiler profiler = new OffCpuProfiler(List.of(), List.of("no BCC offcputime found"),
            Duration.ofSeconds(1), KernelSymbols::load);

        final OffCpuProfiler.Result result = profiler.profile(1, Duration.ofSeconds(1), dir);

        assertTrue(result.runs().isEmpty());
        assertEquals(List.of("no off-CPU tool was run: no BCC offcputime found"), result.problems());
        assertFalse(profiler.hasTools());
    }

    @Test
    void anElfBinaryIsTheLibbpfBuildAndAScriptIsThePythonTool() throws Exception
    {
        assertEquals(OffCpuProfiler.Kind.LIBBPF_TOOLS, OffCpuProfiler.kindOf(Path.of("/bin/true").toRealPath()));
        assertEquals(OffCpuProfiler.Kind.BCC_PYTHON, OffCpuProfiler.kindOf(TrapTesting.script(dir, "s", "exit 0")));
        Files.writeString(dir.resolve("data"), "plain");
        assertNull(OffCpuProfiler.kindOf(dir.resolve("data")));
    }

    @Test
    void commandTemplatesWithKnownPlaceholdersAreAccepted()
    {
        assertEquals("sudo -n /usr/sbin/offcputime -p {pid} {seconds}",
            OffCpuProfiler.checkTemplate("docref.trap.command", " sudo -n /usr/sbin/offcputime -p {pid} {seconds} "));
        assertEquals("awk '{print $1}' /tmp/x", OffCpuProfiler.checkTemplate("p", "awk '{print $1}' /tmp/x"),
            "braces with spaces inside are shell, not placeholders");
    }

    @ParameterizedTest
    @ValueSource(strings = { "offcputime -p {PID} {seconds}", "offcputime -p {pid} {secs}", "   " })
    void badCommandTemplatesAreRejectedNamingPropertyValueAndWhatIsAccepted(final String template)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> OffCpuProfiler.checkTemplate("docref.trap.command", template));

        assertTrue(ex.getMessage().startsWith("docref.trap.command = \"" + template + "\""), ex.getMessage());
        assertTrue(ex.getMessage().contains("accepted: a shell command"), ex.getMessage());
        assertTrue(ex.getMessage().contains("{pid} and {seconds}"), ex.getMessage());
    }
}
