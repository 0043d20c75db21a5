package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.docref.guard.AllocationGuard;
import jdk.jfr.consumer.RecordingFile;

/**
 * The trap in this JVM with its real threads and triggers; the off-CPU tool is a command that prints canned stacks
 * (the real tools run in {@link RealOffCpuCaptureTest}).
 */
class FreezeTrapTest
{
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final LinkedBlockingQueue<Path> captures = new LinkedBlockingQueue<>();

    private FreezeTrap.Builder builder()
    {
        return FreezeTrap.builder(new Properties())
            .dir(dir)
            .probeInterval(Duration.ofMillis(50))
            .probeDeadline(Duration.ofMillis(300))
            .captureDuration(Duration.ofSeconds(1))
            .cooldown(Duration.ZERO)
            .stallDetection(false)
            .guardArming(false)
            .onCapture(captures::add)
            .profiler(TrapTesting.printing("java;probe;futex_wait_[k] 1234\n"));
    }

    private Path nextCapture() throws InterruptedException
    {
        final Path capture = captures.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(capture, "no capture within " + WAIT);
        return capture;
    }

    @Test
    void aProbeThatHangsPastItsDeadlineFiresWhileItStillHangsAndTheCaptureHasEveryFile() throws Exception
    {
        final CountDownLatch hang = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final AtomicReference<Instant> hangStart = new AtomicReference<>();
        try (FreezeTrap trap = builder().probe(() ->
        {
            if (calls.incrementAndGet() == 3)
            {
                hangStart.set(Instant.now());
                hang.await();
            }
        }).build().start())
        {
            assertTrue(trap.isRunning());
            final Path capture = nextCapture();
            assertTrue(hang.getCount() == 1, "the probe still hangs: the watchdog fired, not the probe's return");
            hang.countDown();

            assertTrue(capture.getFileName().toString().matches("capture-\\d{8}T\\d{6}\\.\\d{3}Z-pid" +
                ProcessHandle.current().pid() + "-probe-deadline"), capture.toString());
            assertFalse(Files.exists(capture.resolve(CaptureStore.IN_PROGRESS)), "complete: its marker is gone");
            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            assertEquals("probe-deadline", summary.get("trigger").asText());
            assertTrue(summary.get("detail").asText().contains("had not returned"), summary.toString());
            final Instant fired = Instant.parse(summary.get("firedAt").asText());
            assertFalse(fired.isBefore(hangStart.get().plusMillis(290)), "not before the deadline: " + fired);
            assertEquals(ProcessHandle.current().pid(), summary.get("pid").asLong());
            assertTrue(summary.get("stall").get("probeHangMillis").asLong() >= 300, summary.get("stall").toString());
            assertTrue(summary.get("stall").get("ongoingAtEnd").asBoolean());
            assertEquals(1234, summary.get("offCpu").get("totalMicros").asLong());
            assertEquals("java;probe;futex_wait_[k]", summary.get("offCpu").get("top").get(0).get("stack").asText());
            assertEquals(0, summary.get("toolRuns").get(0).get("exitCode").asInt());
            assertTrue(summary.get("toolRuns").get(0).get("commandLine").asText().startsWith("/bin/sh -c 'printf"));
            for (final JsonNode file : summary.get("files"))
            {
                assertTrue(Files.exists(capture.resolve(file.asText())), "listed file exists: " + file);
            }

            final String threads = Files.readString(capture.resolve(Capture.THREADS));
            assertTrue(threads.contains("=== thread dump at trigger"), "two dumps");
            assertTrue(threads.contains("=== thread dump at end"), "two dumps");
            assertTrue(threads.contains("\"docref-trap-probe\""), "the hanging probe's thread is in the dump");
            assertTrue(threads.contains("java.util.concurrent.CountDownLatch.await"), "with its full stack");
            final String memory = Files.readString(capture.resolve(Capture.MEMORY));
            assertTrue(memory.contains("VmRSS:") && memory.contains("/smaps_rollup <=="), memory);
            assertEquals("java;probe;futex_wait_[k] 1234\n", Files.readString(capture.resolve(Capture.FOLDED)));
            TrapTesting.xml(Files.readString(capture.resolve(Capture.SVG)));
            final String text = Files.readString(capture.resolve(Capture.SUMMARY_TXT));
            assertTrue(text.contains("trigger:        probe-deadline"), text);
            assertTrue(text.contains("#1  1,234 us (100.00%)"), text);
        }
    }

    private static final InheritableThreadLocal<String> REQUEST_CONTEXT = new InheritableThreadLocal<>();

    /**
     * The probe and the onCapture listener are the application's code: they run with the context class loader of
     * the thread that started the trap, as on a plain new Thread, but without its inherited thread-local values,
     * which the trap's threads would otherwise keep reachable for as long as they live.
     */
    @Test
    void theApplicationsProbeAndListenerGetTheStartersClassLoaderButNotItsThreadLocals() throws Exception
    {
        final ClassLoader applicationLoader = new java.net.URLClassLoader(new java.net.URL[0],
            getClass().getClassLoader());
        final CountDownLatch hang = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final AtomicReference<String> onProbe = new AtomicReference<>();
        final AtomicReference<String> onCapture = new AtomicReference<>();
        final AtomicReference<FreezeTrap> started = new AtomicReference<>();
        final FreezeTrap.Builder builder = builder().onCapture(capture ->
        {
            onCapture.set(describeCurrentThread(applicationLoader));
            captures.add(capture);
        }).probe(() ->
        {
            if (calls.incrementAndGet() == 1)
            {
                onProbe.set(describeCurrentThread(applicationLoader));
            }
            else if (calls.get() == 2)
            {
                hang.await();
            }
        });
        final Thread application = new Thread(() ->
        {
            REQUEST_CONTEXT.set("request 42");
            started.set(builder.build().start());
        });
        application.setContextClassLoader(applicationLoader);
        application.start();
        application.join();
        try (FreezeTrap trap = started.get())
        {
            nextCapture();
            hang.countDown();
            assertEquals("application loader, no request context", onProbe.get(), "probe");
            assertEquals("application loader, no request context", onCapture.get(), "onCapture listener");
        }
    }

    private static String describeCurrentThread(final ClassLoader applicationLoader)
    {
        final ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return (loader == applicationLoader ? "application loader" : "loader " + loader) + ", " +
            (REQUEST_CONTEXT.get() == null ? "no request context" : "request context " + REQUEST_CONTEXT.get());
    }

    @Test
    void aProbeThatFailsNTimesInARowFiresButIntermittentFailuresDoNot() throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        try (FreezeTrap trap = builder().probeFailures(3).probe(() ->
        {
            final int n = calls.incrementAndGet();
            // Fails on odd calls for the first 10 (never twice in a row), then always.
            if (n % 2 == 1 || n > 10)
            {
                throw new IllegalStateException("connection refused (call " + n + ")");
            }
        }).build().start())
        {
            assertTrue(trap.isRunning());
            final Path capture = nextCapture();

            assertTrue(calls.get() >= 13, "fired only after 3 failures in a row, at call " + calls.get());
            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            assertEquals("probe-failures", summary.get("trigger").asText());
            assertTrue(summary.get("detail").asText().startsWith("the health probe failed 3 times in a row; last: " +
                "java.lang.IllegalStateException: connection refused (call 13)"), summary.get("detail").asText());
        }
    }

    @Test
    void aGuardWarningHandsTheCaptureToTheCaptureThreadAndReturnsAtOnce() throws Exception
    {
        final LinkedBlockingQueue<String> threads = new LinkedBlockingQueue<>();
        try (FreezeTrap trap = builder()
            .guardArming(true)
            .onCapture(capture ->
            {
                threads.add(Thread.currentThread().getName());
                captures.add(capture);
            })
            .profiler(TrapTesting.profiler(Duration.ofSeconds(5), new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND,
                "sleep 1; printf 'java;allocate 9\\n'")))
            .build().start())
        {
            assertEquals(dev.docref.guard.GuardMode.WARN, AllocationGuard.global().mode(), "the default mode");

            AllocationGuard.global().check(AllocationGuard.global().singleAllocationLimit() + 1, "trap test resize");

            assertTrue(trap.captureRunning(), "check() returned while the capture (a 1 s tool) still runs");
            final Path capture = nextCapture();
            assertEquals("docref-trap-capture", threads.poll());
            assertTrue(capture.getFileName().toString().endsWith("-guard"), capture.toString());
            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            assertEquals("guard", summary.get("trigger").asText());
            assertTrue(summary.get("detail").asText().startsWith("trap test resize allocates 1.00 GiB, over " +
                AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME), summary.get("detail").asText());
        }
        assertTrue(captures.isEmpty());
        AllocationGuard.global().check(AllocationGuard.global().singleAllocationLimit() + 1, "trap test resize");
        assertNull(captures.poll(300, TimeUnit.MILLISECONDS), "close() removed the listener");
    }

    @Test
    void captureNowRespectsTheCooldownAndDumpsTheJfrRecording() throws Exception
    {
        try (FreezeTrap trap = builder().cooldown(Duration.ofHours(1)).jfr(true).build().start())
        {
            assertTrue(trap.captureNow("operator asked"));
            assertFalse(trap.captureNow("again"), "one capture at a time");
            final Path capture = nextCapture();
            while (trap.captureRunning())
            {
                Thread.sleep(10);
            }
            assertFalse(trap.captureNow("after"), "cooling down for an hour");

            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            assertEquals("manual", summary.get("trigger").asText());
            assertEquals("operator asked", summary.get("detail").asText());
            assertEquals(Capture.JFR, summary.get("jfr").asText());
            assertFalse(RecordingFile.readAllEvents(capture.resolve(Capture.JFR)).isEmpty(), "a real recording");
        }
    }

    @Test
    void aCaptureDirectoryThatCannotBeUsedFailsStartNamingTheProperty() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        try (FreezeTrap trap = builder().dir(file).build())
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, trap::start);
            assertTrue(ex.getMessage().contains(FreezeTrap.DIR_PROP_NAME) && ex.getMessage().contains(file.toString())
                && ex.getMessage().contains("a directory this process can create and write"), ex.getMessage());
            assertFalse(trap.isRunning());
            assertFalse(trap.captureNow("not started"));
        }
        final Properties nul = new Properties();
        nul.setProperty(FreezeTrap.DIR_PROP_NAME, "/tmp/a\u0000b");
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> FreezeTrap.builder(nul));
        assertTrue(ex.getMessage().contains(FreezeTrap.DIR_PROP_NAME) && ex.getMessage().contains("not a path"),
            ex.getMessage());
    }

    @Test
    void aCaptureDirectoryOwnedByAnotherUserFailsStart() throws Exception
    {
        final Path foreign = Files.createDirectory(dir.resolve("foreign"));
        try
        {
            Files.setAttribute(foreign, "unix:uid", 65534); // nobody; only root may give a file away
        }
        catch (final java.io.IOException ex)
        {
            org.junit.jupiter.api.Assumptions.abort("cannot give a directory to another user here: " + ex);
        }
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FreezeTrap.requireUsableDirectory(foreign, FreezeTrap.DIR_PROP_NAME));
        assertTrue(ex.getMessage().contains("is owned by user 65534") &&
            ex.getMessage().contains(FreezeTrap.DIR_PROP_NAME), ex.getMessage());
        try (java.util.stream.Stream<Path> left = Files.list(foreign))
        {
            assertEquals(0, left.count(), "the probe file is removed");
        }
        FreezeTrap.requireUsableDirectory(dir.resolve("new").resolve("nested"), FreezeTrap.DIR_PROP_NAME);
        assertTrue(Files.isDirectory(dir.resolve("new").resolve("nested")), "created when missing");
    }

    @Test
    void captureNowRacingStartEitherCapturesOrRefusesAndNeverLeavesTheTrapStuck() throws Exception
    {
        for (int round = 0; round < 50; round++)
        {
            try (FreezeTrap trap = builder().jfr(false).build())
            {
                final AtomicReference<Throwable> thrown = new AtomicReference<>();
                final java.util.concurrent.atomic.AtomicBoolean started =
                    new java.util.concurrent.atomic.AtomicBoolean();
                final java.util.concurrent.atomic.AtomicBoolean captured =
                    new java.util.concurrent.atomic.AtomicBoolean();
                final CountDownLatch spinning = new CountDownLatch(1);
                final Thread caller = new Thread(() ->
                {
                    try
                    {
                        while (!started.get() && !captured.get())
                        {
                            captured.set(trap.captureNow("racing start"));
                            spinning.countDown();
                        }
                    }
                    catch (final Throwable ex)
                    {
                        thrown.set(ex);
                    }
                    spinning.countDown();
                });
                caller.start();
                spinning.await();
                trap.start();
                started.set(true);
                caller.join();
                assertNull(thrown.get(), "captureNow racing start() threw");
                if (!captured.get())
                {
                    assertFalse(trap.captureRunning(), "no capture started, yet the trap holds one as running");
                }
            }
        }
        captures.clear();
    }

    @Test
    void theCaptureAndProfilerThreadsExistAsSoonAsTheTrapStarts() throws Exception
    {
        try (FreezeTrap trap = builder().build().start())
        {
            final Set<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .collect(java.util.stream.Collectors.toSet());
            assertTrue(names.contains("docref-trap-capture") && names.contains("docref-trap-profiler"),
                "a capture during a freeze must not have to create a thread: " + names);
        }
    }

    /**
     * A capture during a freeze must not have to create a thread (a new thread maps its stack, which waits for the
     * mmap_lock the freeze may hold): memory.txt and the thread dumps are read on the evidence thread start()
     * created. Without a tool, nothing else in a capture starts a thread either.
     */
    @Test
    void aCaptureStartsNoThreadItsReadsRunOnTheThreadStartCreated() throws Exception
    {
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (FreezeTrap trap = builder().profiler(TrapTesting.profiler(Duration.ofSeconds(5))).build().start())
        {
            final long before = threads.getTotalStartedThreadCount();
            assertTrue(trap.captureNow("operator asked"));
            final Path capture = nextCapture();
            final long started = threads.getTotalStartedThreadCount() - before;

            assertEquals(0, started, "threads started by a capture");
            assertTrue(Files.readString(capture.resolve(Capture.MEMORY)).contains("VmRSS:"), "memory.txt was read");
            final String dumps = Files.readString(capture.resolve(Capture.THREADS));
            assertTrue(dumps.contains("=== thread dump at trigger") && dumps.contains("=== thread dump at end") &&
                dumps.contains("\"" + EvidenceReader.THREAD_NAME + "\""), "both dumps, taken on the evidence thread");
        }
    }

    /**
     * A thread whose name starts with U+1F525 FIRE (two chars, printed by the tool as UTF-8 bytes) in a frame too
     * narrow for its name: the flame graph cut the label inside the fire, and the capture failed writing it.
     */
    @Test
    void aCaptureWhoseFlameGraphShortensANameStartingWithAnEmojiIsComplete() throws Exception
    {
        try (FreezeTrap trap = builder().profiler(TrapTesting.printing("\\360\\237\\224\\245hot-worker;" +
            "futex_wait_[k] 24000\nmain;futex_wait_[k] 1000000\n")).build().start())
        {
            assertTrue(trap.captureNow("operator asked"));
            final Path capture = nextCapture();

            assertTrue(Files.exists(capture.resolve(Capture.SUMMARY_JSON)), "complete");
            assertTrue(Files.readString(capture.resolve(Capture.SVG)).contains("<title>\uD83D\uDD25hot-worker ("),
                "the whole name in the hover title");
        }
    }

    /**
     * libbpf-tools offcputime names a thread by the kernel's name, cut to 15 characters ("docref-tid-test"), with its
     * tid: the capture names it by its Java name, from a thread dump of this JVM, which has the tid as nid.
     */
    @Test
    void aLibbpfToolsThreadIsNamedByItsJavaNameThroughItsTid() throws Exception
    {
        final CountDownLatch done = new CountDownLatch(1);
        final CompletableFuture<Long> tid = new CompletableFuture<>();
        final Thread named = new Thread(() ->
        {
            try
            {
                // "/proc/thread-self" links to "PID/task/TID".
                tid.complete(Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName()
                    .toString()));
                done.await();
            }
            catch (final IOException | InterruptedException ex)
            {
                tid.completeExceptionally(ex);
            }
        }, "docref-tid-test-with-a-long-name");
        named.start();
        try (FreezeTrap trap = builder().profiler(TrapTesting.printing("    Unsafe_Park\n    -                " +
            "docref-tid-test (" + tid.get(5, TimeUnit.SECONDS) + ")\n        4321\n")).build().start())
        {
            assertTrue(trap.captureNow("operator asked"));
            final Path capture = nextCapture();

            assertEquals("docref-tid-test-with-a-long-name;Unsafe_Park 4321\n",
                Files.readString(capture.resolve(Capture.FOLDED)));
        }
        finally
        {
            done.countDown();
        }
    }

    /**
     * A char UTF-8 cannot encode (half a surrogate pair, here in a thread's name and in the reason) is written as ?,
     * where the strict write threw and failed the whole capture.
     */
    @Test
    void halfASurrogatePairInAThreadNameOrTheReasonIsWrittenAsAQuestionMark() throws Exception
    {
        final CountDownLatch done = new CountDownLatch(1);
        final Thread oddlyNamed = new Thread(() ->
        {
            try
            {
                done.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "worker-\uD83D");
        oddlyNamed.start();
        try (FreezeTrap trap = builder().build().start())
        {
            assertTrue(trap.captureNow("operator asked \uD83D"));
            final Path capture = nextCapture();

            assertTrue(Files.readString(capture.resolve(Capture.THREADS)).contains("\"worker-?\" #"), "threads.txt");
            assertTrue(Files.readString(capture.resolve(Capture.SUMMARY_TXT))
                .contains("trigger:        manual: operator asked ?\n"), "summary.txt");
            assertEquals("operator asked ?",
                TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON)).get("detail").asText(), "summary.json");
        }
        finally
        {
            done.countDown();
            oddlyNamed.join();
        }
    }

    @Test
    void aJvmThatExitsDuringACaptureTakesItsToolWithIt() throws Exception
    {
        final String marker = "4" + (1 + new java.util.Random().nextInt(8)) + "." +
            (100 + new java.util.Random().nextInt(899));
        final Process child = TrapTesting.childJvm(ExitingDuringCapture.class, dir.toString(), marker);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM exits");
        assertEquals(0, child.exitValue());
        assertEquals(0, TrapTesting.awaitGone("sleep " + marker),
            "the capture's tool outlived the JVM that started it");
    }

    /** Starts a trap whose tool sleeps, captures, and exits the JVM while the tool runs. */
    public static final class ExitingDuringCapture
    {
        public static void main(final String[] args) throws Exception
        {
            final FreezeTrap trap = FreezeTrap.builder(new Properties())
                .dir(Path.of(args[0]))
                .captureDuration(Duration.ofSeconds(30))
                .cooldown(Duration.ZERO)
                .stallDetection(false)
                .guardArming(false)
                .profiler(TrapTesting.profiler(Duration.ofSeconds(5),
                    new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND, "sleep " + args[1])))
                .build().start();
            if (!trap.captureNow("exiting"))
            {
                System.exit(2);
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (TrapTesting.processesWith("sleep " + args[1]) == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            System.exit(TrapTesting.processesWith("sleep " + args[1]) == 0 ? 3 : 0);
        }
    }

    /**
     * A bad {@code docref.guard.*} property fails {@code start()} before it creates anything, in a child JVM (this
     * one's global guard is configured already). In {@code left}, the trap is never closed, as with
     * {@code try (FreezeTrap trap = builder.build().start())}: no thread of it runs, and at exit no hook of it throws.
     * In {@code retried}, such a trap closes, and another starts once the property is fixed, is armed by the guard,
     * and closes with its threads.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "left|start: IllegalArgumentException naming docref.guard.mode;running false, trap threads []",
        "retried|start: IllegalArgumentException naming docref.guard.mode;close: returned;" +
            "start: IllegalArgumentException naming docref.guard.mode;" +
            "after fixing docref.guard.mode, start: returned, running true;a guard warning: captured;" +
            "close: returned, trap threads ended" })
    void aStartFailedByABadGuardPropertyLeavesNothingRunningAndTheTrapClosableAndStartable(
        final String scenario, final String expected) throws Exception
    {
        final Path stderr = dir.resolve("child.stderr");
        final Process child = TrapTesting.childJvm(ProcessBuilder.Redirect.to(stderr.toFile()),
            StartingWithABadGuardProperty.class, dir.resolve("captures").toString(), scenario);
        final List<String> lines;
        try (java.io.BufferedReader out = TrapTesting.stdout(child))
        {
            lines = out.lines().collect(java.util.stream.Collectors.toList());
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM exits");
        final String err = Files.readString(stderr);

        assertEquals(List.of(expected.split(";")), lines, err);
        assertEquals(0, child.exitValue(), err);
        assertFalse(err.contains("Exception in thread"), "no exit hook of the trap throws: " + err);
    }

    /** Starts traps with {@code docref.guard.mode=blocking}, not a mode; args: the capture directory, the scenario. */
    public static final class StartingWithABadGuardProperty
    {
        public static void main(final String[] args) throws Exception
        {
            System.setProperty(AllocationGuard.MODE_PROP_NAME, "blocking");
            final CountDownLatch captured = new CountDownLatch(1);
            final FreezeTrap.Builder builder = FreezeTrap.builder(new Properties())
                .dir(Path.of(args[0]))
                .cooldown(Duration.ZERO)
                .probe(() -> { })
                .guardArming(true)
                .stallDetection(true)
                .onCapture(capture -> captured.countDown())
                .profiler(TrapTesting.profiler(Duration.ofSeconds(5)));
            final FreezeTrap trap = builder.build();
            System.out.println("start: " + outcome(trap::start));
            if (args[1].equals("left"))
            {
                // Exits with the trap not closed: whatever exit hook it left runs close().
                System.out.println("running " + trap.isRunning() + ", trap threads " +
                    names(TrapTesting.trapThreads()));
                return;
            }
            System.out.println("close: " + outcome(trap::close));

            final FreezeTrap retried = builder.build();
            System.out.println("start: " + outcome(retried::start));
            System.setProperty(AllocationGuard.MODE_PROP_NAME, "warn");
            System.out.println("after fixing " + AllocationGuard.MODE_PROP_NAME + ", start: " +
                outcome(retried::start) + ", running " + retried.isRunning());
            AllocationGuard.global().check(AllocationGuard.global().singleAllocationLimit() + 1, "child resize");
            System.out.println("a guard warning: " + (captured.await(30, TimeUnit.SECONDS) ? "captured" : "none"));
            final Set<Thread> threads = TrapTesting.trapThreads();
            final String closed = outcome(retried::close);
            // close() returns once they have ended: no waiting here.
            threads.removeIf(thread -> !thread.isAlive());
            System.out.println("close: " + closed + ", trap threads " + (threads.isEmpty() ? "ended" :
                "still running: " + names(threads)));
        }

        private static String outcome(final Runnable call)
        {
            try
            {
                call.run();
                return "returned";
            }
            catch (final RuntimeException ex)
            {
                return ex.getClass().getSimpleName() + (ex.getMessage().contains(AllocationGuard.MODE_PROP_NAME)
                    ? " naming " + AllocationGuard.MODE_PROP_NAME : ": " + ex.getMessage());
            }
        }

    }

    /** The threads' names, sorted. */
    private static List<String> names(final Set<Thread> threads)
    {
        return threads.stream().map(Thread::getName).sorted().collect(java.util.stream.Collectors.toList());
    }

    /**
     * close() returns once the trap's threads have ended, not only been told to: here the probe, interrupted, takes
     * 200 ms to give up (as one cancelling its query would), and the stall detector and evidence thread run too. No
     * thread start() started is alive when close() returns, with no waiting for them in between.
     */
    @Test
    void closeReturnsOnlyOnceEveryThreadTheTrapStartedHasEnded() throws Exception
    {
        final Set<Thread> before = TrapTesting.trapThreads();
        final CountDownLatch probing = new CountDownLatch(1);
        final FreezeTrap trap = builder().stallDetection(true).probeDeadline(Duration.ofSeconds(5))
            .captureDuration(Duration.ofSeconds(10)).probe(() ->
            {
                probing.countDown();
                try
                {
                    new CountDownLatch(1).await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.sleep(200);
                    throw ex;
                }
            }).build();
        trap.start();
        probing.await();
        final Set<Thread> started = trapThreadsSince(before);
        assertEquals(List.of("docref-stall-detector", "docref-trap-capture", "docref-trap-evidence",
            "docref-trap-probe", "docref-trap-profiler", "docref-trap-watchdog"), names(started));

        trap.close();

        started.removeIf(thread -> !thread.isAlive());
        assertEquals(List.of(), names(started), "threads of the trap still running after close() returned");
        assertEquals(List.of(), names(trapThreadsSince(before)), "trap threads that were not there before start()");
    }

    /** The live threads of traps and stall detectors that were not in {@code before}. */
    private static Set<Thread> trapThreadsSince(final Set<Thread> before)
    {
        final Set<Thread> threads = TrapTesting.trapThreads();
        threads.removeAll(before);
        return threads;
    }

    /**
     * A start() that fails part way, here because the named thread cannot be created (as with the JVM's "unable to
     * create native thread"), stops what it had started before it throws. Failing the capture thread leaves nothing
     * to undo; the profiler thread, the capture thread; the exit hook, those and the evidence thread; the watchdog,
     * also the shutdown hook, the stall detector and the guard listener, with the trap already running, so that a
     * capture is handed over as the start fails; the probe thread, all that and the watchdog. Afterwards no thread
     * of the trap runs, the hook and the guard listener are gone, the throttle holds no capture, and start() works.
     */
    @ParameterizedTest
    @ValueSource(strings = { "docref-trap-capture", "docref-trap-profiler", "docref-trap-exit", "docref-trap-watchdog",
        "docref-trap-probe" })
    void aStartThatCannotCreateAThreadUndoesWhatItStartedAndStartsAgain(final String failing) throws Exception
    {
        final Set<Thread> before = TrapTesting.trapThreads();
        final AtomicReference<FreezeTrap> trap = new AtomicReference<>();
        final AtomicReference<Boolean> handedOver = new AtomicReference<>();
        final List<Thread> hooks = new java.util.concurrent.CopyOnWriteArrayList<>();
        trap.set(builder().guardArming(true).stallDetection(true).probe(() -> { }).threads((name, task, loader) ->
        {
            if (name.equals(failing) && handedOver.get() == null)
            {
                handedOver.set(trap.get().captureNow("as start() fails"));
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/" +
                    "resource limits reached");
            }
            final Thread thread = dev.docref.guard.DaemonThreads.newThread(name, task, loader);
            if (name.equals("docref-trap-exit"))
            {
                hooks.add(thread);
            }
            return thread;
        }).build());

        final OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, trap.get()::start);

        assertTrue(thrown.getMessage().startsWith("unable to create native thread"), thrown.getMessage());
        assertFalse(trap.get().isRunning());
        assertEquals(List.of(), names(trapThreadsSince(before)), "threads left running by the failed start()");
        final boolean ran = failing.equals("docref-trap-watchdog") || failing.equals("docref-trap-probe");
        assertEquals(ran ? 1 : 0, hooks.size(), "exit hooks made");
        for (final Thread hook : hooks)
        {
            assertFalse(Runtime.getRuntime().removeShutdownHook(hook), "the failed start() removed its exit hook");
        }
        assertFalse(AllocationGuard.global().removeListener(trap.get().guardListener()),
            "the failed start() removed its guard listener");
        assertEquals(ran, handedOver.get(), "a capture was handed over only once the trap ran");
        assertFalse(trap.get().captureRunning(), "the throttle holds no capture");
        captures.clear();

        try
        {
            trap.get().start();

            assertTrue(trap.get().isRunning());
            assertTrue(trap.get().captureNow("after a failed start()"), "the throttle lets a capture start");
            assertEquals("after a failed start()",
                TrapTesting.json(nextCapture().resolve(Capture.SUMMARY_JSON)).get("detail").asText());
            assertTrue(AllocationGuard.global().removeListener(trap.get().guardListener()), "armed again");
        }
        finally
        {
            trap.get().close();
        }
        assertEquals(List.of(), names(trapThreadsSince(before)), "threads left running after close()");
    }

    @Test
    void aDisabledTrapStartsNothing() throws Exception
    {
        final Properties properties = new Properties();
        properties.setProperty(FreezeTrap.ENABLED_PROP_NAME, "false");
        try (FreezeTrap trap = FreezeTrap.builder(properties).dir(dir).probe(() -> Thread.sleep(60_000)).build()
            .start())
        {
            assertFalse(trap.isRunning());
            assertFalse(trap.captureNow("no"));
            assertNull(trap.stallDetector());
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("docref-trap-probe")));
        }
    }

    @Test
    void everyPropertyIsReadIntoTheSettings()
    {
        final Properties properties = new Properties();
        properties.setProperty("docref.trap.enabled", "FALSE");
        properties.setProperty("docref.trap.dir", " /var/tmp/traps ");
        properties.setProperty("docref.trap.stall.threshold", "750ms");
        properties.setProperty("docref.trap.probe.interval", "5s");
        properties.setProperty("docref.trap.probe.deadline", "3s");
        properties.setProperty("docref.trap.capture.duration", "1m");
        properties.setProperty("docref.trap.cooldown", "0s");
        properties.setProperty("docref.trap.max.captures.per.hour", "12");
        properties.setProperty("docref.trap.max.disk", "2GiB");
        properties.setProperty("docref.trap.command", "sudo -n offcputime -p {pid} {seconds}");
        properties.setProperty("docref.trap.jfr", "true");

        final TrapSettings settings = FreezeTrap.builder(properties).settings();

        assertEquals(new TrapSettings(false, Path.of("/var/tmp/traps"), Duration.ofMillis(750), Duration.ofSeconds(5),
            Duration.ofSeconds(3), Duration.ofMinutes(1), Duration.ZERO, 12, 2L << 30,
            "sudo -n offcputime -p {pid} {seconds}", true), settings);
    }

    @Test
    void withoutPropertiesTheDefaultsApply()
    {
        assertEquals(new TrapSettings(true, Path.of(FreezeTrap.DEFAULT_DIR), Duration.ofSeconds(1),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofMinutes(5), 6, 512L << 20,
            null, false), FreezeTrap.builder(new Properties()).settings());
    }

    static Stream<Arguments> badProperties()
    {
        return Stream.of(
            Arguments.of("docref.trap.enabled", "yes", "true or false"),
            Arguments.of("docref.trap.dir", " ", "a directory path"),
            Arguments.of("docref.trap.stall.threshold", "10ms", "50ms to 1h"),
            Arguments.of("docref.trap.stall.threshold", "1 second", "a whole number with a unit"),
            Arguments.of("docref.trap.probe.interval", "0s", "10ms to 1h"),
            Arguments.of("docref.trap.probe.deadline", "2h", "10ms to 1h"),
            Arguments.of("docref.trap.capture.duration", "1500ms", "whole seconds"),
            Arguments.of("docref.trap.capture.duration", "500ms", "1s to 1h"),
            Arguments.of("docref.trap.cooldown", "25h", "0s to 24h"),
            Arguments.of("docref.trap.max.captures.per.hour", "0", "a whole number from 1 to 3600"),
            Arguments.of("docref.trap.max.captures.per.hour", "six", "a whole number from 1 to 3600"),
            Arguments.of("docref.trap.max.disk", "512KiB", "1MiB or more"),
            Arguments.of("docref.trap.max.disk", "1GB", "binary unit"),
            Arguments.of("docref.trap.command", "offcputime -p {PID}", "{pid} and {seconds}"),
            Arguments.of("docref.trap.jfr", "on", "true or false"));
    }

    @ParameterizedTest(name = "{0} = \"{1}\"")
    @MethodSource("badProperties")
    void aBadPropertyFailsNamingThePropertyTheValueAndWhatIsAccepted(
        final String property, final String value, final String accepted)
    {
        final Properties properties = new Properties();
        properties.setProperty(property, value);

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FreezeTrap.builder(properties));

        assertTrue(ex.getMessage().startsWith(property + " = \"" + value + "\""), ex.getMessage());
        assertTrue(ex.getMessage().contains("accepted: "), ex.getMessage());
        assertTrue(ex.getMessage().contains(accepted), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource({ "2s, 2s", "3s, 2s" })
    void aProbeDeadlineNotShorterThanTheCaptureIsRejected(final String deadline, final String capture)
    {
        final Properties properties = new Properties();
        properties.setProperty(FreezeTrap.PROBE_DEADLINE_PROP_NAME, deadline);
        properties.setProperty(FreezeTrap.CAPTURE_DURATION_PROP_NAME, capture);
        final FreezeTrap.Builder builder = FreezeTrap.builder(properties).probe(() -> { });

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, builder::build);

        assertTrue(ex.getMessage().contains("must be shorter than docref.trap.capture.duration"), ex.getMessage());
    }

    /**
     * A tool that, while the capture waits for it, puts a directory where the capture will write its thread dumps:
     * the capture fails at that write, after the profile, deterministically. {@code $$} is the tool's shell, whose
     * standard output is the capture's {@code tool-1-command.stdout}. {@code before} runs first, in {@code $d}.
     */
    private static String sabotagingTool(final String before, final String stdout)
    {
        return "d=$(dirname \"$(readlink /proc/$$/fd/1)\"); " + before + "mkdir \"$d/" + Capture.THREADS + "\"; " +
            "printf '" + stdout + "'";
    }

    /** Runs one capture of a trap whose tool is {@code tool}, and waits for it to end. */
    private List<Path> captureWith(final String tool) throws Exception
    {
        try (FreezeTrap trap = builder().profiler(TrapTesting.profiler(Duration.ofSeconds(5),
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND, tool))).build().start())
        {
            assertTrue(trap.captureNow("operator asked"));
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (trap.captureRunning() && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertFalse(trap.captureRunning(), "the capture ended within " + WAIT);
        }
        assertNull(captures.poll(), "a failed capture is not handed to onCapture");
        try (Stream<Path> entries = Files.list(dir))
        {
            return entries.sorted().collect(java.util.stream.Collectors.toList());
        }
    }

    @Test
    void aCaptureThatFailsPartWayKeepsItsEvidenceAndSaysWhatFailedInFailureTxt() throws Exception
    {
        final List<Path> left = captureWith(sabotagingTool("", "java;x 1\\n"));

        assertEquals(1, left.size(), left.toString());
        final Path capture = left.get(0);
        assertTrue(Files.size(capture.resolve(Capture.MEMORY)) > 0, "the evidence written before the failure stays");
        assertEquals("java;x 1\n", Files.readString(capture.resolve("tool-1-command.stdout")));
        assertFalse(Files.exists(capture.resolve(Capture.SUMMARY_JSON)), "no summary: not complete");
        assertFalse(Files.exists(capture.resolve(CaptureStore.IN_PROGRESS)), "no longer in progress");
        final String failure = Files.readString(capture.resolve(CaptureStore.FAILURE));
        assertTrue(failure.contains("trigger:        manual: operator asked\n"), failure);
        assertTrue(failure.contains("failure:        java.io.UncheckedIOException: cannot write " +
            capture.resolve(Capture.THREADS)), failure);
        assertTrue(failure.contains("pid:            " + ProcessHandle.current().pid() + "\n"), failure);
    }

    @Test
    void aCaptureThatFailsBeforeWritingAnyEvidenceLeavesNoDirectory() throws Exception
    {
        // The tool waits for memory.txt, the capture's first file, and deletes it: nothing with a byte is left.
        final List<Path> left = captureWith(sabotagingTool("while [ ! -s \"$d/" + Capture.MEMORY + "\" ]; do " +
            "sleep 0.01; done; rm \"$d/" + Capture.MEMORY + "\"; ", ""));

        assertEquals(List.of(), left, "the failed capture's directory is removed");
    }

    /**
     * A capture that fails on a write (a directory where its thread dump goes) is a failure the trap understands:
     * one WARNING line saying what failed, where failure.txt is and what to do, no stack trace in the log (it is at
     * DEBUG), and failure.txt holds the stack trace.
     */
    @Test
    void aCaptureThatFailsOnAWriteIsOneWarningLineAndFailureTxtHoldsTheStackTrace() throws Exception
    {
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Level level = logger.getLevel();
        final Records handler = new Records(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
        final List<Path> left;
        try
        {
            left = captureWith(sabotagingTool("", "java;x 1\\n"));
        }
        finally
        {
            logger.removeHandler(handler);
            logger.setLevel(level);
        }

        final Path capture = left.get(0);
        final List<LogRecord> failed = failureRecords(handler, Level.WARNING);
        assertEquals(1, failed.size(), failed.toString());
        final LogRecord line = failed.get(0);
        assertEquals(Level.WARNING, line.getLevel());
        assertNull(line.getThrown(), "no stack trace for a failure the trap understands");
        assertTrue(line.getMessage().startsWith("docref freeze trap: capture failed: cannot write " +
            capture.resolve(Capture.THREADS) + ": "), line.getMessage());
        assertTrue(line.getMessage().contains("; kept " + capture + " for the evidence it holds (") &&
            line.getMessage().contains("); what failed is in " + capture.resolve(CaptureStore.FAILURE) + "; "),
            line.getMessage());
        assertTrue(line.getMessage().endsWith("; check that " + dir.toAbsolutePath() + " (" + FreezeTrap.DIR_PROP_NAME +
            ") has free space and that this process may write there"), line.getMessage());
        final List<LogRecord> debug = failureRecords(handler, Level.ALL);
        assertTrue(debug.stream().anyMatch(record -> record.getLevel().intValue() < Level.INFO.intValue() &&
            record.getThrown() instanceof UncheckedIOException), "the stack trace is still logged, at DEBUG: " +
            debug);
        final String failure = Files.readString(capture.resolve(CaptureStore.FAILURE));
        assertTrue(failure.contains("\nstack trace:\njava.io.UncheckedIOException: cannot write " +
            capture.resolve(Capture.THREADS)), failure);
        assertTrue(failure.contains("\tat dev.docref.trap.Capture.write("), failure);
        assertTrue(failure.contains("Caused by: java.nio.file.FileSystemException: "), failure);
    }

    /** A captures' directory that cannot hold a new capture any more is a failure the trap understands too. */
    @Test
    void aCaptureWhoseDirectoryCannotBeCreatedIsOneWarningLine() throws Exception
    {
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Records handler = new Records(Level.WARNING);
        logger.addHandler(handler);
        try (FreezeTrap trap = builder().build().start())
        {
            // Where the captures go is now a file: no capture directory can be made in it, as root or not.
            Files.delete(dir);
            Files.writeString(dir, "not a directory");
            assertTrue(trap.captureNow("operator asked"));
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (trap.captureRunning() && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertFalse(trap.captureRunning(), "the capture ended within " + WAIT);
        }
        finally
        {
            logger.removeHandler(handler);
            Files.deleteIfExists(dir);
            Files.createDirectory(dir);
        }

        final List<LogRecord> failed = failureRecords(handler, Level.WARNING);
        assertEquals(1, failed.size(), failed.toString());
        assertEquals(Level.WARNING, failed.get(0).getLevel());
        assertNull(failed.get(0).getThrown());
        assertTrue(failed.get(0).getMessage().startsWith("docref freeze trap: capture failed: cannot create a " +
            "capture directory in " + dir.toAbsolutePath() + " (" + FreezeTrap.DIR_PROP_NAME + "): "),
            failed.get(0).getMessage());
        assertTrue(failed.get(0).getMessage().contains("; no capture directory was made; check that " +
            dir.toAbsolutePath()), failed.get(0).getMessage());
    }

    /** A failure the trap does not understand is a bug: logged at ERROR (SEVERE) with its stack trace. */
    @Test
    void aCaptureFailureTheTrapDoesNotUnderstandIsLoggedWithItsStackTrace()
    {
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Records handler = new Records(Level.WARNING);
        logger.addHandler(handler);
        final IllegalStateException bug = new IllegalStateException("a bug");
        try
        {
            builder().build().afterFailure("kept " + dir + " for the evidence it holds (" + Capture.MEMORY + "); " +
                "what failed is in " + dir.resolve(CaptureStore.FAILURE), bug);
        }
        finally
        {
            logger.removeHandler(handler);
        }

        final List<LogRecord> failed = failureRecords(handler, Level.WARNING);
        assertEquals(1, failed.size(), failed.toString());
        assertEquals(Level.SEVERE, failed.get(0).getLevel());
        assertSame(bug, failed.get(0).getThrown());
        assertEquals("docref freeze trap: capture failed (" + bug + "); kept " + dir + " for the evidence it holds (" +
            Capture.MEMORY + "); what failed is in " + dir.resolve(CaptureStore.FAILURE), failed.get(0).getMessage());
    }

    /**
     * A command without {@code {pid}} profiles the whole machine, which may be intended: start says so in one INFO
     * line naming the property and the value; a command with {@code {pid}} gets no such line.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/usr/sbin/offcputime {seconds}|true",
        "sudo -n /usr/sbin/offcputime -p {pid} {seconds}|false" })
    void aCommandWithoutPidIsNotedOnceAtStartAsProfilingTheWholeMachine(final String command, final boolean noted)
    {
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Records handler = new Records(Level.ALL);
        logger.addHandler(handler);
        final long pid;
        try (FreezeTrap trap = builder().command(command).build().start())
        {
            pid = trap.pid();
        }
        finally
        {
            logger.removeHandler(handler);
        }

        final List<LogRecord> lines = handler.records.stream()
            .filter(record -> record.getMessage().contains("whole machine"))
            .collect(java.util.stream.Collectors.toList());
        if (!noted)
        {
            assertEquals(List.of(), lines);
            return;
        }
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(Level.INFO, lines.get(0).getLevel());
        assertEquals("docref freeze trap: " + FreezeTrap.COMMAND_PROP_NAME + " = \"" + command + "\" has no {pid}: " +
            "it is not told which process to profile, so it profiles the whole machine (as offcputime does without " +
            "-p), not only pid " + pid, lines.get(0).getMessage());
    }

    /**
     * A stall of 3,020 ms (2,900 ms of it waiting for a CPU, steal not measurable here) fires a capture whose
     * summary splits it, in summary.json and summary.txt; a second stall, of 700 ms (600 ms of it GC), while that
     * capture runs is logged with its split in one INFO line. The detector runs on the real clock plus an offset that
     * its sleeper jumps, so that its stalls line up with the trap's real times.
     * <p>
     * Each real 20 ms sleep may overrun on a loaded machine, and the overrun is part of the stall it ends (unexplained
     * by the fake counters): the stalls are checked as 3,020 and 700 ms or more, with the rest unexplained. Whether
     * the watchdog (which may see the clock's jump before the detector wakes) or the listener fires the capture, the
     * summary is written after the stall ended, so it has the split either way.
     */
    @Test
    void aStallIsSplitInTheSummaryAndALaterStallInTheLog() throws Exception
    {
        final AtomicLong offset = new AtomicLong();
        final AtomicInteger sleeps = new AtomicInteger();
        final StallDetectorTest.DrivenCounters counters = new StallDetectorTest.DrivenCounters();
        final String noSteal = "cannot read the steal column of /proc/stat (no such file): it needs Linux";
        counters.unavailable[StallSplit.Part.STOLEN_BY_HOST.ordinal()] = noSteal;
        final StallDetector.Sleeper sleeper = nanos ->
        {
            final int n = sleeps.incrementAndGet();
            TimeUnit.NANOSECONDS.sleep(nanos);
            if (n == 5)
            {
                counters.values[StallSplit.Part.WAITING_FOR_CPU.ordinal()] += 2_900_000_000L;
                offset.addAndGet(3_020_000_000L);
            }
            else if (n == 8)
            {
                counters.values[StallSplit.Part.GC_PAUSE.ordinal()] += 600_000_000L;
                offset.addAndGet(700_000_000L);
            }
        };
        // The capture's tool waits for this file, so that the later stall comes while the capture runs.
        final Path go = dir.resolve("go");
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Records handler = new Records(Level.INFO);
        logger.addHandler(handler);
        final Path capture;
        try (FreezeTrap trap = builder().stallDetection(true).stallThreshold(Duration.ofMillis(500))
            .detectors((threshold, listener) -> new StallDetector(Duration.ofMillis(20), threshold, listener,
                () -> System.nanoTime() + offset.get(), sleeper, counters))
            .profiler(TrapTesting.profiler(Duration.ofSeconds(5), new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND,
                "while [ ! -e " + go + " ]; do sleep 0.05; done; printf 'java;stalled 1\\n'")))
            .build().start())
        {
            // The listener runs on the detector's thread before its next sleep: once the 9th sleep began, the later
            // stall is logged. Waiting for any "no capture of its own" line instead would stop at the first stall's
            // if the watchdog had fired the capture.
            final long end = System.nanoTime() + WAIT.toNanos();
            while (sleeps.get() <= 8)
            {
                assertTrue(System.nanoTime() - end < 0, "the detector did not get past the later stall: " +
                    handler.records);
                Thread.sleep(10);
            }
            Files.createFile(go);
            capture = nextCapture();
        }
        finally
        {
            logger.removeHandler(handler);
        }

        assertTrue(capture.getFileName().toString().endsWith("-stall"), capture.toString());
        final JsonNode stall = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON)).get("stall");
        final long stalled = stall.get("stallDetectorMillis").asLong();
        assertTrue(stalled >= 3_020, stall.toString());
        final JsonNode split = stall.get("split");
        assertTrue(split.get("known").asBoolean(), split.toString());
        assertEquals(2_900, split.get("waitingForCpuMillis").asLong(), split.toString());
        assertEquals(0, split.get("gcPauseMillis").asLong(), "the GC pause came in the later stall: " + split);
        assertTrue(split.get("stolenByHostMillis").isNull(), split.toString());
        assertEquals(noSteal, split.get("unavailable").get("stolenByHost").asText());
        assertEquals(stalled - 2_900, split.get("unexplainedMillis").asLong(), split.toString());
        final String splitText = String.format(Locale.ROOT, "2,900 ms waiting for a CPU, 0 ms in GC pauses, %,d ms " +
            "unexplained; stolen by the host not measured: %s", stalled - 2_900, noSteal);
        assertEquals(splitText, split.get("text").asText());
        final String text = Files.readString(capture.resolve(Capture.SUMMARY_TXT));
        assertTrue(text.contains(String.format(Locale.ROOT, "\nstall:          the stall detector was held up %,d ms" +
            "\n  split:        of the stall detector's %,d ms: %s\n", stalled, stalled, splitText)), text);

        final List<String> lines = handler.records.stream().map(LogRecord::getMessage)
            .collect(java.util.stream.Collectors.toList());
        assertTrue(lines.stream().anyMatch(line -> line.contains(String.format(Locale.ROOT, "the process stalled " +
            "for %,d ms from ", stalled)) && line.contains("(threshold 500ms): " + splitText)), lines.toString());
        final Pattern later = Pattern.compile("docref freeze trap: the process stalled for ([\\d,]+) ms from \\S+ " +
            "\\(threshold 500ms\\): 0 ms waiting for a CPU, 600 ms in GC pauses, ([\\d,]+) ms unexplained; " +
            "stolen by the host not measured: " + Pattern.quote(noSteal) +
            "; no capture of its own: a capture is already running");
        final List<Matcher> laterLines = lines.stream().map(later::matcher).filter(Matcher::matches)
            .collect(java.util.stream.Collectors.toList());
        assertEquals(1, laterLines.size(), "one INFO line for the later stall: " + lines);
        final long laterStalled = Long.parseLong(laterLines.get(0).group(1).replace(",", ""));
        assertTrue(laterStalled >= 700, laterLines.get(0).group());
        assertEquals(laterStalled - 600, Long.parseLong(laterLines.get(0).group(2).replace(",", "")),
            laterLines.get(0).group());
    }

    /** The records at {@code level} or above about a failed capture. */
    private static List<LogRecord> failureRecords(final Records handler, final Level level)
    {
        return handler.records.stream().filter(record -> record.getLevel().intValue() >= level.intValue() &&
            record.getMessage().startsWith("docref freeze trap: ") && (record.getMessage().contains("capture failed") ||
            record.getMessage().contains("failure above"))).collect(java.util.stream.Collectors.toList());
    }

    /**
     * The trap's log records at {@code level} or above, added to {@link #records}. Add it to the logger of
     * {@link FreezeTrap}, held strongly (java.util.logging keeps loggers weakly; System.Logger routes to it under the
     * class's name), and remove it after.
     */
    private static final class Records extends Handler
    {
        final LinkedBlockingQueue<LogRecord> records = new LinkedBlockingQueue<>();
        private final Level level;

        Records(final Level level)
        {
            this.level = level;
        }

        @Override
        public void publish(final LogRecord record)
        {
            if (record.getLevel().intValue() >= level.intValue())
            {
                records.add(record);
            }
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    }

    /**
     * A capture that wrote its summary is complete even if its {@code in-progress} marker cannot be removed: the
     * tool replaces the marker with a directory that is not empty, which no delete of a file removes. The capture is
     * handed to onCapture, has no failure.txt, and the log warns that budget passes keep it while this process lives.
     */
    @Test
    void aCompleteCaptureWhoseMarkerCannotBeRemovedStaysCompleteAndTheLogSaysItIsKept() throws Exception
    {
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Records handler = new Records(Level.WARNING);
        logger.addHandler(handler);
        final String tool = "d=$(dirname \"$(readlink /proc/$$/fd/1)\"); rm \"$d/" + CaptureStore.IN_PROGRESS + "\"; " +
            "mkdir -p \"$d/" + CaptureStore.IN_PROGRESS + "/held\"; printf 'java;x 1\\n'";
        try (FreezeTrap trap = builder().profiler(TrapTesting.profiler(Duration.ofSeconds(5),
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND, tool))).build().start())
        {
            assertTrue(trap.captureNow("operator asked"));
            final Path capture = nextCapture();

            assertTrue(Files.exists(capture.resolve(Capture.SUMMARY_JSON)), "the capture is complete");
            assertFalse(Files.exists(capture.resolve(CaptureStore.FAILURE)), "and not marked failed");
            assertTrue(Files.isDirectory(capture.resolve(CaptureStore.IN_PROGRESS)), "the marker is still there");
            final LogRecord warning = handler.records.stream().filter(record -> record.getMessage()
                .contains(CaptureStore.IN_PROGRESS)).findFirst().orElse(null);
            assertNotNull(warning, "a warning names the marker: " + handler.records);
            assertEquals(Level.WARNING, warning.getLevel());
            assertTrue(warning.getMessage().contains("cannot delete " + capture.resolve(CaptureStore.IN_PROGRESS) +
                ": until this process exits, no budget pass deletes " + capture.getFileName()), warning.getMessage());
        }
        finally
        {
            logger.removeHandler(handler);
        }
    }

    @Test
    void aListenerThatThrowsIsLoggedAsTheListenersFailureNotTheCapturesAndTheCaptureStaysComplete() throws Exception
    {
        final Logger logger = Logger.getLogger(FreezeTrap.class.getName());
        final Records handler = new Records(Level.SEVERE);
        final LinkedBlockingQueue<LogRecord> errors = handler.records;
        logger.addHandler(handler);
        try (FreezeTrap trap = builder().onCapture(directory ->
        {
            captures.add(directory);
            throw new IllegalStateException("listener broke");
        }).build().start())
        {
            trap.captureNow("test");
            final Path capture = nextCapture();

            final LogRecord error = errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(error, "the listener's exception is logged");
            assertEquals("docref freeze trap: the onCapture listener threw on " + capture + ", which is complete; " +
                "fix the listener", error.getMessage());
            assertEquals("listener broke", error.getThrown().getMessage());
            assertTrue(Files.exists(capture.resolve(Capture.SUMMARY_JSON)), "the capture is complete");
            assertFalse(Files.exists(capture.resolve(CaptureStore.FAILURE)), "and not marked failed");
        }
        finally
        {
            logger.removeHandler(handler);
        }
    }

    @Test
    void theSummaryNamesWhatIsMissingWhenNoToolCanRun() throws Exception
    {
        final List<String> missing = List.of("no BCC offcputime found: install it with apt-get install libbpf-tools");
        try (FreezeTrap trap = builder().profiler(new OffCpuProfiler(List.of(), missing, Duration.ofSeconds(1),
            KernelSymbols::load)).build().start())
        {
            trap.captureNow("test");
            final Path capture = nextCapture();

            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            assertEquals(missing.get(0), summary.get("missing").get(0).asText());
            assertTrue(summary.get("tool").isNull());
            assertEquals(0, summary.get("offCpu").get("stacks").asInt());
            assertTrue(Files.exists(capture.resolve(Capture.THREADS)), "the JVM evidence is still written");
            assertTrue(Files.readString(capture.resolve(Capture.SUMMARY_TXT)).contains("missing:        no BCC"));
        }
    }
}
