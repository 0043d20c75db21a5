package dev.docref.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.docref.trap.FreezeTrap;

/**
 * A {@link FreezeTrap} with a health probe catching a freeze while it happens: a service's index is guarded by a
 * read-write lock, the probe is a query through that lock, and a writer holds the lock for 2.5 s. The probe misses
 * its 500 ms deadline, the trap's watchdog notices while it still hangs, and the trap writes a capture: an off-CPU
 * profile from BCC's {@code offcputime} (as root, with the tool installed), thread dumps and memory figures.
 * <p>
 * A capture that fails part way (a full disk, say) is never handed to {@code onCapture}: the trap logs it and keeps
 * what it wrote with a {@code failure.txt}. The example follows both ends ({@link TrapCaptures}, as
 * {@link IncidentReplay} does), and for a failed capture prints its {@code failure.txt} and ends with status 1.
 * <p>
 * The writer sleeps while it holds the lock: a stand-in for anything that holds a lock too long, such as the resize
 * of a big map, which {@link IncidentReplay} shows for real.
 * <p>
 * Run: {@code java -cp examples/target/incident-replay.jar dev.docref.examples.CatchAFreeze [DIR]} (after
 * {@code mvn -B -q -pl examples -am package -DskipTests}); captures go to {@code DIR} (default: a new temporary
 * directory). It takes about 8 s.
 * <p>
 * <b>Thread-safety and ownership:</b> the example owns the trap (try-with-resources closes it and its threads) and
 * the writer thread, which it joins.
 */
public final class CatchAFreeze
{
    /** The command's name, as its errors begin. */
    static final String COMMAND = "catch-a-freeze";
    /** How long the writer holds the lock. */
    static final Duration FREEZE = Duration.ofMillis(2_500);
    /** A probe not back within this is a freeze: a healthy one takes microseconds. */
    static final Duration PROBE_DEADLINE = Duration.ofMillis(500);
    /** The capture's window: longer than the freeze, so that the waits it profiles end inside it. */
    static final Duration CAPTURE_WINDOW = Duration.ofSeconds(4);
    /** How long after the freeze the example waits for the capture to end: its window, and time to write it. */
    static final Duration CAPTURE_WAIT = Duration.ofSeconds(30);
    /** The command line, printed for {@code --help} and under an error. */
    static final String USAGE = String.join("\n",
        "usage: java -cp examples/target/incident-replay.jar dev.docref.examples.CatchAFreeze [DIR]",
        "",
        "A freeze trap catches a query hanging behind a lock held 2.5 s and writes a capture into DIR: a directory,",
        "new or existing (default: a new temporary directory).");

    private CatchAFreeze()
    {
    }

    /**
     * Runs the example.
     *
     * @param args optional: the directory for captures.
     */
    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final Path dir = DirectoryArgument.ofExampleOrExit(args, COMMAND, USAGE, "docref-trap-example-",
            "the example writes its captures");
        if (dir != null)
        {
            try
            {
                run(dir, System.out);
            }
            catch (final ExampleFailure ex)
            {
                System.exit(ex.print(COMMAND, System.err));
            }
        }
    }

    /**
     * @return the capture directory the trap wrote.
     * @throws ExampleFailure for a bad {@code docref.trap.*} system property, a directory the trap cannot use, a
     *                        trap disabled by {@code docref.trap.enabled=false}, and as {@link #report} says.
     */
    static Path run(final Path dir, final PrintStream out) throws IOException, InterruptedException, ExampleFailure
    {
        final HashMap<Long, Long> index = new HashMap<>();
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        index.put(42L, 4242L);
        // The trap hands a complete capture to onCapture; TrapCaptures finds a failed one in dir.
        final TrapCaptures captures = new TrapCaptures(dir,
            failed -> out.println("trap: " + TrapCaptures.failedPartWay(failed)));

        // Defaults, then the docref.trap.* system properties: a bad one is refused, naming it.
        try (FreezeTrap trap = ExampleFailure.ofSettings(FreezeTrap::builder)
            .dir(dir)
            .probe(() ->                                 // what a freeze would stop: a query through the lock
            {
                lock.readLock().lock();
                try
                {
                    index.get(42L);
                }
                finally
                {
                    lock.readLock().unlock();
                }
            })
            .probeInterval(Duration.ofMillis(100))
            .probeDeadline(PROBE_DEADLINE)
            .captureDuration(CAPTURE_WINDOW)
            .guardArming(false)                         // this example has no allocation guard warnings
            .onCapture(captures::completed)
            .build())
        {
            ExampleFailure.ofSettings(trap::start);      // refused if it cannot write dir, or does not own it
            if (!trap.isRunning())
            {
                throw new ExampleFailure("the freeze trap is disabled (" + FreezeTrap.ENABLED_PROP_NAME + "=false), " +
                    "so nothing would catch the freeze this example makes; run it without that property");
            }
            final Instant started = Instant.now();
            out.println("trap started; captures go to " + dir.toAbsolutePath());
            Thread.sleep(500);
            final Thread writer = new Thread(() ->
            {
                lock.writeLock().lock();
                try
                {
                    TimeUnit.MILLISECONDS.sleep(FREEZE.toMillis());
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                finally
                {
                    lock.writeLock().unlock();
                }
            }, "writer-holding-the-lock");
            out.println("a writer holds the index's write lock for " + FREEZE.toMillis() + " ms: queries freeze");
            writer.start();
            writer.join();
            return report(captures.awaitFirst(CAPTURE_WAIT, started), dir, out);
        }
    }

    /**
     * Prints what the trap captured.
     *
     * @param capture the first capture to end after the freeze, or {@code null} if none had within
     *                {@link #CAPTURE_WAIT}.
     * @return its directory.
     * @throws ExampleFailure if none ended, or it failed part way: naming its {@code failure.txt}, which says what
     *                        failed, after printing that line of it.
     */
    static Path report(final PhaseResult.CaptureRecord capture, final Path dir, final PrintStream out)
        throws IOException, ExampleFailure
    {
        if (capture == null)
        {
            throw new ExampleFailure("no capture ended within " + CAPTURE_WAIT.toSeconds() + " s of the freeze in " +
                dir + ", though the probe should have fired " + PROBE_DEADLINE.toMillis() + " ms into it and the " +
                "capture ended " + CAPTURE_WINDOW.toSeconds() + " s later: the trap's log above says whether it " +
                "fired; if it did, this machine may be too busy for the trap's threads, so run the example again " +
                "when it is less loaded");
        }
        if (capture.failed())
        {
            printLines(capture.failure(), out, "trigger:", "failure:");
            throw new ExampleFailure("the trap caught the freeze, but its capture failed part way: " +
                capture.failure() + " says what failed, and " + capture.directory() + " keeps what it wrote before");
        }
        out.println("capture: " + capture.directory());
        printLines(capture.directory().resolve("summary.txt"), out, "trigger:", "stall:", "tool:", "missing:",
            "off-CPU:");
        out.println("flame graph: " + capture.flameGraph() + "; thread dumps: " +
            capture.directory().resolve("threads.txt"));
        return capture.directory();
    }

    /** Prints the lines of {@code file} that start with one of {@code keys}, indented: a capture's summary lines. */
    private static void printLines(final Path file, final PrintStream out, final String... keys) throws IOException
    {
        for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
        {
            if (List.of(keys).stream().anyMatch(line::startsWith))
            {
                out.println("  " + line);
            }
        }
    }
}
