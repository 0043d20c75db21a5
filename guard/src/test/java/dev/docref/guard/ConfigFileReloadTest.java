package dev.docref.guard;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import javax.management.ObjectName;

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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The watched config file. The watcher polls once a second and applies an edit once two polls read the same; every
 * wait here is a generous upper bound (10 s) on something that normally takes two polls, and never a bound on how
 * fast it must happen. Tests of what one poll does end the watcher's thread and call its poll themselves.
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
            assertTrue(warning.contains("the file, line 2 \"docref.guard.mdoe=off\": it sets the key " +
                "\"docref.guard.mdoe\" (to \"off\"), which the guard's config file does not accept"), warning);
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
    void anEditMadeWhileTheGuardIsCreatedIsAppliedByItsWatcher() throws Exception
    {
        // The guard reads the file, then starts its watcher: an edit in between used to be taken as already seen.
        // The rounds run side by side, each with its own file, so the test waits for two polls once, not per round.
        final int rounds = 12;
        final List<AllocationGuard> guards = new ArrayList<>();
        try
        {
            for (int i = 0; i < rounds; i++)
            {
                final Path file = dir.resolve("guard-" + i + ".properties");
                write(file, MODE_PROP_NAME + "=warn\n", 1);
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
                        write(file, MODE_PROP_NAME + "=block\n", 2);
                    }
                    catch (final IOException ex)
                    {
                        throw new java.io.UncheckedIOException(ex);
                    }
                });
                writer.start();
                guards.add(guard(CONFIG_PROP_NAME, file.toString()));
                writer.join();
            }
            for (int i = 0; i < rounds; i++)
            {
                final AllocationGuard guard = guards.get(i);
                await(() -> guard.mode() == GuardMode.BLOCK, "the edit made during creation (round " + i + ")");
            }
        }
        finally
        {
            guards.forEach(AllocationGuard::close);
        }
    }

    @Test
    void aConfigFileOverItsSizeLimitIsRefusedNamingIt() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, "#".repeat(ConfigFileWatcher.MAX_BYTES) + "\n" + MODE_PROP_NAME + "=block\n", 1);
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> guard(CONFIG_PROP_NAME, file.toString()).close());
        assertTrue(ex.getMessage().contains(CONFIG_PROP_NAME + " = \"" + file + "\" has more than 65536 bytes"),
            ex::getMessage);
        assertTrue(ex.getMessage().contains("properties file with only the keys [" + MODE_PROP_NAME), ex::getMessage);
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
    void aFileReadHalfWrittenInPlaceIsNotApplied() throws Exception
    {
        // Written in place, the file is truncated and then written: a poll in between reads it empty or cut short,
        // and "2" of "2g" is a limit of 2 bytes that would block every allocation.
        final Path file = dir.resolve("guard.properties");
        try (AllocationGuard guard = guardPolledByTheTest(file,
            MODE_PROP_NAME + "=block\n" + SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=1g\n"))
        {
            final String whole = MODE_PROP_NAME + "=block\n" + SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=2g\n";
            write(file, "", 2);
            poll(guard, 1);
            assertEquals(1L << 30, guard.singleAllocationLimit(), "an empty reading seen once is not applied");
            write(file, whole.substring(0, whole.length() - 2), 3);
            poll(guard, 1);
            assertEquals(1L << 30, guard.singleAllocationLimit(), "a value cut short seen once is not applied");
            write(file, whole, 4);
            poll(guard, 1);
            assertEquals(1L << 30, guard.singleAllocationLimit(), "the whole file seen once is not applied yet");
            poll(guard, 1);
            assertEquals(2L << 30, guard.singleAllocationLimit(), "the same reading on the next poll is applied");
            assertEquals(GuardMode.BLOCK, guard.mode());
        }
    }

    @Test
    void aWriterThatStallsForAPollIntervalIsReadAsItStands() throws Exception
    {
        // The limit of the mitigation, written down: a file that reads the same on two polls is applied, so a writer
        // stalled mid-file for a whole poll interval is applied half-written. Replacing the file by rename is safe.
        final Path file = dir.resolve("guard.properties");
        try (AllocationGuard guard = guardPolledByTheTest(file, SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=1g\n"))
        {
            write(file, SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=2", 2);
            poll(guard, 2);
            assertEquals(2, guard.singleAllocationLimit());
        }
    }

    @Test
    void anEditKeepingTimestampAndSizeIsAppliedOnceItReadsTheSameTwice() throws Exception
    {
        // File systems with coarse timestamps (1 s on ext3 and HFS+, 2 s on FAT) give a rewrite within the same
        // tick the same timestamp; one of the same size used to be taken as unchanged and never applied.
        final Path file = dir.resolve("guard.properties");
        try (AllocationGuard guard = guardPolledByTheTest(file, MODE_PROP_NAME + "=warn\n"))
        {
            write(file, MODE_PROP_NAME + "=wa\n  ", 1);
            poll(guard, 1);
            write(file, MODE_PROP_NAME + "=off\n ", 1);
            poll(guard, 1);
            assertEquals(GuardMode.WARN, guard.mode(), "a reading that differs from the previous poll's waits");
            poll(guard, 1);
            assertEquals(GuardMode.OFF, guard.mode(), "the same timestamp and size, other contents: applied");
        }
    }

    @Test
    void aRefusedEditIsLoggedNamingTheFileOnce() throws Exception
    {
        // The path was logged twice: "ignored an edit of /p: /p: docref.guard.mode = ...".
        final Path file = dir.resolve("guard.properties");
        try (AllocationGuard guard = guardPolledByTheTest(file, MODE_PROP_NAME + "=warn\n");
             CapturedLog log = new CapturedLog())
        {
            final String logged = "docref guard " + guard.name() + ": ignored an edit of " + file + ": ";
            final String[][] edits = {
                {MODE_PROP_NAME + "=blocking\n", "docref.guard.mode = \"blocking\" is not a valid value"},
                {"docref.guard.mdoe=off\n", "the file, line 1 \"docref.guard.mdoe=off\": it sets the key " +
                    "\"docref.guard.mdoe\""},
                {"#".repeat(ConfigFileWatcher.MAX_BYTES + 1), "the file has more than 65536 bytes"},
                {MODE_PROP_NAME + "=\\uZZZZ\n", "the file cannot be read as a properties file"},
            };
            for (int i = 0; i < edits.length; i++)
            {
                write(file, edits[i][0], 2 + i);
                poll(guard, 2);
                final String warning = log.warnings().get(i);
                assertTrue(warning.startsWith(logged + edits[i][1]), warning);
                assertEquals(1, occurrences(warning, file.toString()), warning);
            }
            assertEquals(GuardMode.WARN, guard.mode());
        }
    }

    @Test
    void aFileReplacedByADirectoryIsLoggedNamingItOnce() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=warn\n", 1);
        try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString());
             CapturedLog log = new CapturedLog())
        {
            Files.delete(file);
            Files.createDirectory(file);
            final String warning = log.awaitWarning(w -> w.contains("ignored an edit of " + file), PATIENCE);
            assertTrue(warning.contains(": ignored an edit of " + file + ": the file cannot be read as a properties " +
                "file (java.io.IOException: it is not a regular file but a directory; it is not opened)"), warning);
            assertEquals(1, occurrences(warning, file.toString()), warning);
        }
    }

    @Test
    void aTouchedFileIsAppliedAgain() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        try (AllocationGuard guard = guardPolledByTheTest(file, MODE_PROP_NAME + "=block\n"))
        {
            guard.reconfigure(properties(MODE_PROP_NAME, "warn"));
            Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L + 2 * 60_000L));
            poll(guard, 2);
            assertEquals(GuardMode.BLOCK, guard.mode(), "a new timestamp re-applies the file over a reconfigure");
        }
    }

    @Test
    void aNamedPipeIsRefusedWithoutBeingOpened() throws Exception
    {
        // Opening a named pipe waits for a writer: a guard created with one used to hang the creating thread (for the
        // global guard, the database's first guarded allocation) for good, and a watcher polling one outlived close().
        final Path pipe = dir.resolve("guard.properties");
        assumeTrue(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor() == 0, "mkfifo is available");
        final CompletableFuture<Throwable> created = new CompletableFuture<>();
        final Thread creator = new Thread(() ->
        {
            try
            {
                guard(CONFIG_PROP_NAME, pipe.toString()).close();
                created.complete(null);
            }
            catch (final Throwable ex)
            {
                created.complete(ex);
            }
        }, "guard-creator");
        creator.setDaemon(true);
        creator.start();
        try
        {
            // A generous bound on a call that opens nothing; on the old code it never returned.
            final Throwable thrown;
            try
            {
                thrown = created.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            catch (final TimeoutException ex)
            {
                throw new AssertionError("creating a guard whose config file is a named pipe did not return within " +
                    PATIENCE + ": it waits in " + Arrays.toString(creator.getStackTrace()), ex);
            }
            assertTrue(thrown instanceof IllegalArgumentException, () -> String.valueOf(thrown));
            assertTrue(thrown.getMessage().contains(CONFIG_PROP_NAME + " = \"" + pipe + "\" cannot be read as a " +
                "properties file") && thrown.getMessage().contains("is not a regular file"), thrown::getMessage);
        }
        finally
        {
            if (!created.isDone())
            {
                // Release a creator stuck opening the pipe: opened for reading and writing, a pipe never waits, and
                // closed at once, it gives the creator's read an end.
                Files.newByteChannel(pipe, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            }
        }
    }

    @Test
    void aGuardWhoseWatcherThreadCannotBeCreatedLeavesNothingRegistered() throws Exception
    {
        // Its MXBean stayed registered, so every later guard of that name, and every later global() call for the
        // global guard, failed as a taken name.
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=block\n", 1);
        final ObjectName mxbean = new ObjectName("dev.docref:type=AllocationGuard,name=no-thread");
        withoutThreads(() -> assertThrows(OutOfMemoryError.class,
            () -> AllocationGuard.fromProperties("no-thread", properties(CONFIG_PROP_NAME, file.toString()))));
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(mxbean),
            "the MXBean of a guard whose creation failed is unregistered");
        try (AllocationGuard guard = AllocationGuard.fromProperties("no-thread",
            properties(CONFIG_PROP_NAME, file.toString())))
        {
            assertEquals(GuardMode.BLOCK, guard.mode());
            assertTrue(watcherRunning("no-thread"));
        }
    }

    @Test
    void aReconfigureWhoseWatcherThreadCannotBeCreatedChangesNothing() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        final Path other = dir.resolve("other.properties");
        write(file, MODE_PROP_NAME + "=warn\n", 1);
        write(other, MODE_PROP_NAME + "=block\n", 1);
        try (AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString()))
        {
            final ConfigFileWatcher watcher = guard.watcher();
            withoutThreads(() -> assertThrows(OutOfMemoryError.class,
                () -> guard.reconfigure(properties(CONFIG_PROP_NAME, other.toString()))));
            assertEquals(file, guard.configFile(), "the file watched before is still the guard's");
            assertEquals(GuardMode.WARN, guard.mode(), "the other file is not applied");
            assertTrue(guard.watcher() == watcher && watcherRunning(guard.name()), "its watcher still runs");
        }
    }

    @Test
    void aClosedGuardRefusesReconfigureNamingIt() throws Exception
    {
        // It applied the file and started no watcher, so the file was reported as watched and never read again.
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=block\n", 1);
        final AllocationGuard guard = guard();
        guard.close();
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> guard.reconfigure(properties(CONFIG_PROP_NAME, file.toString())));
        assertTrue(ex.getMessage().contains("docref guard " + guard.name() + " is closed"), ex::getMessage);
        assertTrue(ex.getMessage().contains("create a new guard with AllocationGuard.fromProperties"), ex::getMessage);
        assertEquals(GuardMode.WARN, guard.mode(), "the guard keeps its last configuration");
        assertEquals(null, guard.configFile());
    }

    @Test
    void aClosedGuardReportsNoWatchedFile() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, MODE_PROP_NAME + "=block\n", 1);
        final AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString());
        guard.close();
        await(() -> !watcherRunning(guard.name()), "the watcher to stop on close");
        assertEquals(null, guard.configFile(), "no file is watched once the guard is closed");
        assertEquals(GuardMode.BLOCK, guard.mode(), "the file's last values stay in force");
    }

    @Test
    void aConfigFileCannotNameAnotherConfigFile() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, CONFIG_PROP_NAME + "=/etc/other.properties\n", 1);
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> guard(CONFIG_PROP_NAME, file.toString()).close());
        assertTrue(ex.getMessage().contains(", line 1 \"" + CONFIG_PROP_NAME + "=/etc/other.properties\": " +
            CONFIG_PROP_NAME + " names the config file itself and cannot be set in it"), ex::getMessage);
    }

    /** It said only "this cannot be set in the guard's config file": neither the line, its number nor its value. */
    @Test
    void aLineWithAKeyTheFileDoesNotAcceptIsNamedByNumberAndTextWithTheKeysAcceptedAndTheFix() throws Exception
    {
        final Path file = dir.resolve("guard.properties");
        write(file, "# guard settings\n" + MODE_PROP_NAME + "=warn\n\n  this is a bad line\n" + MODE_PROP_NAME +
            "=block\n", 1);
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> guard(CONFIG_PROP_NAME, file.toString()).close());
        assertEquals(CONFIG_PROP_NAME + " = \"" + file + "\", line 4 \"this is a bad line\": it sets the key " +
            "\"this\" (to \"is a bad line\"), which the guard's config file does not accept; accepted: only the keys " +
            "[docref.guard.mode, docref.guard.single.allocation.limit, docref.guard.total.limit, " +
            "docref.guard.warn.interval], one key=value a line (a line starting with # is a comment). Correct the " +
            "key, or remove the line or comment it out.", ex.getMessage());
        // A line continued with a backslash is named with the lines it spans; a continued comment is not continued.
        write(file, "# a comment \\\n" + MODE_PROP_NAME + "=warn\r\nwarn.interval = \\\n    15s\n", 2);
        final IllegalArgumentException continued =
            assertThrows(IllegalArgumentException.class, () -> guard(CONFIG_PROP_NAME, file.toString()).close());
        assertTrue(continued.getMessage().contains(", lines 3-4 \"warn.interval = \\\\n    15s\": it sets the key " +
            "\"warn.interval\" (to \"15s\")"), continued::getMessage);
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

    /**
     * A guard watching {@code file}, first written with {@code contents}, whose watcher's thread has ended, so that the
     * test alone calls its poll ({@link #poll}): no race with a poller. Close it.
     */
    private static AllocationGuard guardPolledByTheTest(final Path file, final String contents) throws Exception
    {
        write(file, contents, 1);
        final AllocationGuard guard = guard(CONFIG_PROP_NAME, file.toString());
        guard.watcher().stop();
        guard.watcher().awaitStopped();
        return guard;
    }

    /** Run the watcher's poll {@code times} times, as its thread would once a second. */
    private static void poll(final AllocationGuard guard, final int times)
    {
        for (int i = 0; i < times; i++)
        {
            guard.watcher().poll();
        }
    }

    /** Run {@code body} while creating a watcher's thread fails as the JVM fails when it has no thread to give. */
    private static void withoutThreads(final Runnable body)
    {
        final ConfigFileWatcher.ThreadMaker threads = ConfigFileWatcher.threads;
        ConfigFileWatcher.threads = (name, task) ->
        {
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource " +
                "limits reached");
        };
        try
        {
            body.run();
        }
        finally
        {
            ConfigFileWatcher.threads = threads;
        }
    }

    private static int occurrences(final String text, final String part)
    {
        return text.split(Pattern.quote(part), -1).length - 1;
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
