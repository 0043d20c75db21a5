package dev.docref.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import dev.docref.guard.AllocationBlockedException;
import dev.docref.guard.AllocationDecision;
import dev.docref.guard.AllocationGuard;
import dev.docref.guard.PropertyValues;
import dev.docref.guard.ResizeForecast;

/**
 * Configuring an {@link AllocationGuard} three ways: from a properties file that it watches, by
 * {@code reconfigure} at run time, and through its MXBean, as JConsole or JMC would.
 * <p>
 * The example makes its own guard, named {@code example}, so that it does not change the process-wide
 * {@code AllocationGuard.global()}; the same calls work on the global guard, which reads the {@code docref.guard.*}
 * system properties instead. The allocation it asks about is the next resize of a {@code java.util.HashMap} of
 * 50,331,648 entries, from {@link ResizeForecast}: a 512 MiB table.
 * <p>
 * Run: {@code java -cp examples/target/incident-replay.jar dev.docref.examples.GuardConfiguration [DIR]} (after
 * {@code mvn -B -q -pl examples -am package -DskipTests}); it writes {@code guard.properties} into {@code DIR}
 * (default: a new temporary directory). While it waits for the file change you can watch it in
 * {@code jconsole}: MBeans, {@code dev.docref}, {@code AllocationGuard}, {@code example}.
 * <p>
 * <b>Thread-safety and ownership:</b> runs on one thread; it owns and closes its guard, which stops the file
 * watcher and unregisters the MXBean.
 */
public final class GuardConfiguration
{
    /** The command's name, as its errors begin. */
    static final String COMMAND = "guard-configuration";
    /** The guard's name, and so its MXBean's {@code name=} key. */
    static final String NAME = "example";
    /** A stable description: the guard rate-limits its log per {@code what}. */
    static final String WHAT = "pkey index resize";
    /**
     * How long step 4 waits for the guard's file watcher to apply the edit, which takes 1 to 2 s: the watcher reads
     * the file once a second ({@code AllocationGuard.CONFIG_POLL_INTERVAL}) and applies an edit once two polls in a
     * row read it the same.
     */
    static final Duration EDIT_WAIT = Duration.ofSeconds(10);
    /** The command line, printed for {@code --help} and under an error. */
    static final String USAGE = String.join("\n",
        "usage: java -cp examples/target/incident-replay.jar dev.docref.examples.GuardConfiguration [DIR]",
        "",
        "Configures an allocation guard from DIR/guard.properties, at run time and over JMX. DIR: a directory, new",
        "or existing (default: a new temporary directory).");

    private GuardConfiguration()
    {
    }

    /**
     * Runs the example.
     *
     * @param args optional: the directory for {@code guard.properties}.
     */
    public static void main(final String[] args) throws IOException, InterruptedException, JMException
    {
        final Path dir = DirectoryArgument.ofExampleOrExit(args, COMMAND, USAGE, "docref-guard-example-",
            "the example writes guard.properties");
        if (dir != null)
        {
            try
            {
                run(dir, System.out, EDIT_WAIT);
            }
            catch (final ExampleFailure ex)
            {
                System.exit(ex.print(COMMAND, System.err));
            }
        }
    }

    /**
     * @param editWait how long step 4 waits for the watcher to apply the file's edit: {@link #EDIT_WAIT}.
     * @return the guard's counters at the end: {@code {warnings, blocks}} (2 and 1).
     * @throws ExampleFailure if {@code guard.properties} cannot be written in {@code dir}, or the watcher did not
     *                        apply its edit within {@code editWait}.
     */
    static long[] run(final Path dir, final PrintStream out, final Duration editWait)
        throws InterruptedException, JMException, ExampleFailure
    {
        final Path file = dir.resolve("guard.properties");
        replace(file, String.join("\n",
            "# Read at start and applied again when it changes (checked once a second).",
            AllocationGuard.MODE_PROP_NAME + "=warn",
            AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=256MiB",
            AllocationGuard.WARN_INTERVAL_PROP_NAME + "=0s", ""));
        final Properties properties = new Properties();
        properties.setProperty(AllocationGuard.CONFIG_PROP_NAME, file.toString());

        final ResizeForecast resize = ResizeForecast.hashMap(50_331_648, ResizeForecast.compressedOops());
        try (AllocationGuard guard = AllocationGuard.fromProperties(NAME, properties))
        {
            guard.addListener(event -> out.printf(Locale.ROOT, "  listener: %s %s for [%s], limit %s%n",
                event.decision() == AllocationDecision.WARNED ? "warned about" : "blocked",
                PropertyValues.formatBytes(event.bytes()), event.what(), PropertyValues.formatBytes(event.limit())));
            out.println("1. From the file " + file + ": " + describe(guard));
            out.println("   " + resize);
            guard.checkResize(resize, WHAT);

            out.println("2. reconfigure(docref.guard.mode=block) at run time:");
            final Properties block = new Properties();
            block.setProperty(AllocationGuard.MODE_PROP_NAME, "block");
            guard.reconfigure(block);
            try
            {
                guard.checkResize(resize, WHAT);
                out.println("   allowed (unexpected: the limit is below the resize)");
            }
            catch (final AllocationBlockedException ex)
            {
                out.println("   checkResize threw AllocationBlockedException before anything was allocated");
            }

            out.println("3. A bad value is refused and the configuration stays:");
            final Properties bad = new Properties();
            bad.setProperty(AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1GB");
            try
            {
                guard.reconfigure(bad);
            }
            catch (final IllegalArgumentException ex)
            {
                out.println("   " + ex.getMessage());
            }

            out.println("4. Edit the file (limit 1GiB, mode warn) by writing a new one and renaming it over the old; " +
                "the watcher applies it once two polls a second apart read it the same, within 2 seconds:");
            replace(file, String.join("\n", AllocationGuard.MODE_PROP_NAME + "=warn",
                AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=1GiB", ""));
            awaitEdit(guard, file, 1L << 30, editWait);
            out.println("   " + describe(guard));
            guard.checkResize(resize, WHAT);
            out.println("   checkResize of " + PropertyValues.formatBytes(resize.nextResizeBytes()) + " passed " +
                "silently: it is under the new limit");

            out.println("5. JMX, as JConsole would: the MXBean dev.docref:type=AllocationGuard,name=" + NAME);
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            final ObjectName name = new ObjectName("dev.docref:type=AllocationGuard,name=" + NAME);
            server.setAttribute(name, new Attribute("SingleAllocationLimit", 128L << 20));
            out.printf(Locale.ROOT, "   set SingleAllocationLimit to 128 MiB; Mode=%s, SingleAllocationLimit=%d, " +
                "ConfigFile=%s%n", server.getAttribute(name, "Mode"),
                server.getAttribute(name, "SingleAllocationLimit"), server.getAttribute(name, "ConfigFile"));
            guard.checkResize(resize, WHAT);
            final long warnings = (Long)server.getAttribute(name, "Warnings");
            final long blocks = (Long)server.getAttribute(name, "Blocks");
            out.printf(Locale.ROOT, "   counters: Checks=%d, Warnings=%d, Blocks=%d, LargestRequestBytes=%d%n",
                server.getAttribute(name, "Checks"), warnings, blocks,
                server.getAttribute(name, "LargestRequestBytes"));
            return new long[] { warnings, blocks };
        }
    }

    /**
     * Waits until the guard's file watcher has applied the edit of {@code file} that sets the single-allocation limit
     * to {@code limit}.
     *
     * @throws ExampleFailure if it has not within {@code wait}: what was waited for, how long, and the likely causes.
     *                        Without it the example went on under the old configuration, mode block, whose next
     *                        {@code checkResize} ended it with an {@code AllocationBlockedException} stack trace.
     */
    static void awaitEdit(final AllocationGuard guard, final Path file, final long limit, final Duration wait)
        throws InterruptedException, ExampleFailure
    {
        final long deadline = System.nanoTime() + wait.toNanos();
        while (guard.singleAllocationLimit() != limit)
        {
            if (System.nanoTime() - deadline >= 0)
            {
                throw new ExampleFailure(String.format(Locale.ROOT, "waited %s for the guard's file watcher to apply " +
                    "the edit of %s (single-allocation limit %s), but the guard is still at %s. The watcher reads " +
                    "the file once a second and applies an edit once two reads in a row find it the same, which " +
                    "takes 1 to 2 s; so either this machine is too slow or busy for the watcher thread to get its " +
                    "reads in (run the example again when it is less loaded), or something else kept changing the " +
                    "file meanwhile (an editor, a sync tool), so that no two reads were the same",
                    wait.toMillis() % 1000 == 0 ? wait.toSeconds() + " s" : wait.toMillis() + " ms", file,
                    PropertyValues.formatBytes(limit), describe(guard)));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Writes {@code file} as the guard's docs advise, by writing a new file beside it and renaming that over it, so
     * that the watcher never reads it half-written; the new file is removed if either step fails.
     *
     * @throws ExampleFailure naming the file and why it cannot be written (a full disk, a directory in its place).
     */
    private static void replace(final Path file, final String text) throws ExampleFailure
    {
        final Path written = file.resolveSibling(file.getFileName() + ".new");
        try
        {
            Files.createDirectories(file.getParent());
            Files.writeString(written, text, StandardCharsets.UTF_8);
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            try
            {
                Files.deleteIfExists(written);
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed); // the failure below names what matters: the file it could not write
            }
            throw new ExampleFailure("cannot write " + file + " (" + ex + "); give a DIR where this user can write " +
                "it, with room left", ex);
        }
    }

    private static String describe(final AllocationGuard guard)
    {
        return "mode " + guard.mode().name().toLowerCase(Locale.ROOT) + ", single-allocation limit " +
            PropertyValues.formatBytes(guard.singleAllocationLimit());
    }
}
