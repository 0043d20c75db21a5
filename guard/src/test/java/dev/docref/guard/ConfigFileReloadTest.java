package dev.docref.guard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.docref.guard.AllocationGuard.CONFIG_PROP_NAME;
import static dev.docref.guard.AllocationGuard.MODE_PROP_NAME;
import static dev.docref.guard.AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME;
import static dev.docref.guard.GuardTesting.guard;
import static dev.docref.guard.GuardTesting.properties;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watched config file. The watcher polls once a second; every wait here is a generous upper bound (10 s) on
 * something that normally takes one poll, and never a bound on how fast it must happen.
 */
class ConfigFileReloadTest
{
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void anEditedModeTakesEffectAndABadEditIsLoggedAndIgnored() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=warn\n" + SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=64MiB\n", 1);
        try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString(), MODE_PROP_NAME, "off");
             CapturedLog log = new CapturedLog())
        {
            assertEquals(GuardMode.WARN, guard.mode(), "the file is read at once and wins over the properties");
            assertEquals(64L << 20, guard.singleAllocationLimit());
            assertEquals(file, guard.configFile());

            write(file, MODE_PROP_NAME + "=BLOCK\n" + SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=64MiB\n", 2);
            await(() -> guard.mode() == GuardMode.BLOCK, "the edited mode to take effect");
            assertThrows(AllocationBlockedException.class, () -> guard.check(128L << 20, "too big"));

            write(file, MODE_PROP_NAME + "=blocking\n" + SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=1g\n", 3);
            final String warning = log.awaitWarning(w -> w.contains("ignored an edit of " + file), PATIENCE);
            assertTrue(warning.contains(MODE_PROP_NAME + " = \"blocking\""), warning);
            assertTrue(warning.contains("accepted: one of off, warn, block"), warning);
            assertEquals(GuardMode.BLOCK, guard.mode(), "a bad edit is ignored whole");
            assertEquals(64L << 20, guard.singleAllocationLimit(), "including its good keys");

            write(file, MODE_PROP_NAME + "=off\n", 4);
            await(() -> guard.mode() == GuardMode.OFF, "a good edit after a bad one to take effect");
            assertEquals(64L << 20, guard.singleAllocationLimit(), "a key the file no longer names keeps its value");
        }
    }

    @Test
    void keysOtherThanTheGuardsAreABadEdit() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=warn\n", 1);
        try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString());
             CapturedLog log = new CapturedLog())
        {
            write(file, MODE_PROP_NAME + "=block\ndocref.guard.mdoe=off\n", 2);
            final String warning = log.awaitWarning(w -> w.contains("ignored an edit of " + file), PATIENCE);
            assertTrue(warning.contains("docref.guard.mdoe cannot be set in the guard's config file"), warning);
            assertEquals(GuardMode.WARN, guard.mode());
        }
    }

    @Test
    void aVanishedFileIsLoggedAndTheConfigurationKept() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=block\n", 1);
        try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString());
             CapturedLog log = new CapturedLog())
        {
            Files.delete(file);
            log.awaitWarning(w -> w.contains("the file is gone"), PATIENCE);
            assertEquals(GuardMode.BLOCK, guard.mode());
            write(file, MODE_PROP_NAME + "=warn\n", 2);
            await(() -> guard.mode() == GuardMode.WARN, "the returned file to be applied");
        }
    }

    @Test
    void aWatcherThreadRunsOnlyWhileAFileIsConfigured() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=warn\n", 1);
        final AllocationGuard withoutFile = AllocationGuard.fromProperties("no-file", properties());
        assertFalse(watcherRunning("no-file"));
        withoutFile.close();

        final AllocationGuard guard = AllocationGuard.fromProperties("with-file",
            properties(CONFIG_PROP_NAME, file.toString()));
        assertTrue(watcherRunning("with-file"));
        guard.reconfigure(properties(CONFIG_PROP_NAME, ""));
        await(() -> !watcherRunning("with-file"), "the watcher to stop when the file is unset");
        guard.reconfigure(properties(CONFIG_PROP_NAME, file.toString()));
        assertTrue(watcherRunning("with-file"));
        guard.close();
        await(() -> !watcherRunning("with-file"), "the watcher to stop on close");
    }

    @Test
    void reconfigureToANewFileReadsItAtOnce() throws Exception
    {
        final Path file = dir.resolve("other.properties");
        write(file, MODE_PROP_NAME + "=block\n", 1);
        try (AllocationGuard guard = guard())
        {
            guard.reconfigure(properties(CONFIG_PROP_NAME, file.toString()));
            assertEquals(GuardMode.BLOCK, guard.mode());
        }
    }

    @Test
    void anEditMadeWhileTheGuardIsCreatedIsAppliedByTheNextPoll() throws Exception
    {
        // The guard reads the file, then starts its watcher: an edit in between used to be taken as already seen.
        final Path file = dir.resolve("guard.properties");
        for (int i = 0; i < 12; i++)
        {
            write(file, MODE_PROP_NAME + "=warn\n", 2 * i);
            final int version = 2 * i + 1;
            final long delayNanos = (i % 4) * 100_000L;
            final Thread writer = new Thread(() ->
            {
                final long until = System.nanoTime() + delayNanos;
                while (System.nanoTime() < until)
                {
                    Thread.onSpinWait();
                }
                try
                {
                    write(file, MODE_PROP_NAME + "=block\n", version);
                }
                catch (final IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            writer.start();
            try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString()))
            {
                writer.join();
                await(() -> guard.mode() == GuardMode.BLOCK, "the edit made during creation (round " + i + ")");
            }
        }
    }

    @Test
    void aWatcherReplacedMeanwhileNeverAppliesItsOlderReading() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=warn\n", 1);
        try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString()))
        {
            final ConfigFileWatcher old = guard.watcher();
            write(file, MODE_PROP_NAME + "=off\n", 2);
            guard.reconfigure(properties(CONFIG_PROP_NAME, file.toString()));
            assertEquals(GuardMode.OFF, guard.mode());
            // The old watcher read "block" before it was replaced, and reaches the lock only now.
            assertFalse(guard.applyConfigFile(old, properties(MODE_PROP_NAME, "block")));
            assertEquals(GuardMode.OFF, guard.mode(), "the newer reading stays");
        }
    }

    @Test
    void aConfigFileCannotNameAnotherConfigFile() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, CONFIG_PROP_NAME + "=/etc/other.properties\n", 1);
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> guard(CONFIG_PROP_NAME, file.toString()).close());
        assertTrue(ex.getMessage().contains(CONFIG_PROP_NAME + " cannot be set in the guard's config file"),
            ex::getMessage);
    }

    /**
     * Rewrite the file and give it a timestamp {@code version} minutes past a fixed time, so each version differs
     * in timestamp whatever the file system's timestamp resolution.
     */
    private static void write(final Path file, final String contents, final int version) throws IOException
    {
        Files.write(file, contents.getBytes(StandardCharsets.ISO_8859_1));
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L + version * 60_000L));
    }

    private static boolean watcherRunning(final String guardName)
    {
        return Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("docref-guard-config-" + guardName) && t.isAlive());
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("waited " + PATIENCE + " for " + what);
            }
            Thread.sleep(20);
        }
    }
}
