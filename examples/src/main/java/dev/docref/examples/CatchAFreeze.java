package dev.docref.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.docref.trap.FreezeTrap;

/**
 * A {@link FreezeTrap} with a health probe catching a freeze while it happens: a service's index is guarded by a
 * read-write lock, the probe is a query through that lock, and a writer holds the lock for 2.5 s. The probe misses
 * its 500 ms deadline, the trap's watchdog notices while it still hangs, and the trap writes a capture: an off-CPU
 * profile from BCC's {@code offcputime} (as root, with the tool installed), thread dumps and memory figures.
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
     * @throws ExampleFailure for a bad {@code docref.trap.*} system property, or a directory the trap cannot use.
     * @throws IllegalStateException if no capture was written within 30 s.
     */
    static Path run(final Path dir, final PrintStream out) throws IOException, InterruptedException, ExampleFailure
    {
        final HashMap<Long, Long> index = new HashMap<>();
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        index.put(42L, 4242L);
        final CompletableFuture<Path> captured = new CompletableFuture<>();

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
            .probeDeadline(Duration.ofMillis(500))
            .captureDuration(Duration.ofSeconds(4))      // longer than the freeze, so its waits end inside it
            .guardArming(false)                         // this example has no allocation guard warnings
            .onCapture(captured::complete)
            .build())
        {
            ExampleFailure.ofSettings(trap::start);      // refused if it cannot write dir, or does not own it
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
            final Path capture;
            try
            {
                capture = captured.get(30, TimeUnit.SECONDS);
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                throw new IllegalStateException("no capture within 30 s of the freeze in " + dir, ex);
            }
            out.println("capture: " + capture);
            for (final String line : Files.readAllLines(capture.resolve("summary.txt"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("trigger:") || line.startsWith("stall:") || line.startsWith("tool:") ||
                    line.startsWith("missing:") || line.startsWith("off-CPU:"))
                {
                    out.println("  " + line);
                }
            }
            out.println("flame graph: " + capture.resolve("offcpu.svg") + "; thread dumps: " +
                capture.resolve("threads.txt"));
            return capture;
        }
    }
}
