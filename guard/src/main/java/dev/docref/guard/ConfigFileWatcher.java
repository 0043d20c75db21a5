package dev.docref.guard;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * The daemon thread that applies an {@link AllocationGuard}'s config file once an edit of it reads the same on two
 * polls in a row.
 * <p>
 * It polls once per {@link AllocationGuard#CONFIG_POLL_INTERVAL}: one {@code stat} and one read of the file (a few
 * hundred bytes) a second, so neither {@code check} nor any get or put of a guarded structure ever touches the file
 * system. Polling rather than a {@code WatchService} because the latter misses edits on some network file systems and
 * through some symlinked config mounts (Kubernetes {@code ConfigMap}s).
 * <p>
 * <b>A file written in place is never applied half-written, unless its writer stalls for a whole poll.</b> Written in
 * place ({@code echo ... > file}, an editor that saves in place), the file is truncated and then written, so a poll in
 * between reads it empty or cut short, and a value cut short can be valid and wrong: {@code 2} of {@code 2g} is a
 * limit of 2 bytes, which in {@code block} mode refuses every allocation. So a poll's {@link Reading} (timestamp,
 * size, file identity and bytes) that differs from the one last applied is only remembered; it is applied when the
 * next poll, one interval later, reads exactly the same. A write in progress changes the file between the two, so
 * its states are each seen once and never applied, and the finished file is applied one poll after it was first seen:
 * an edit takes 1 to 2 seconds instead of 0 to 1. The bytes are compared as well as the timestamp and size because a
 * file system with coarse timestamps (1 s on ext3 and HFS+, 2 s on FAT) gives a rewrite of the same size within one
 * tick the same timestamp. What remains: a writer that stops mid-file for a whole interval is applied as it stands,
 * and a guard created or reconfigured while its file is written applies what it reads at once (it cannot wait) and
 * the finished file two polls later. Writing a new file and renaming it over the old one is atomic and has neither.
 * <p>
 * A change is applied whole or not at all: a bad value, an unparseable file or one over {@value #MAX_BYTES} bytes is
 * logged at {@code WARNING} once per change and ignored, and the guard keeps its configuration; a vanished file, or
 * a path that is not a regular file (never opened: opening a named pipe waits for a writer), is logged once, and the
 * file applied again when it returns. A new timestamp alone (a {@code touch}) applies the file again, over changes
 * made meanwhile by {@code reconfigure} or the MXBean.
 * <p>
 * <b>Thread-safety:</b> {@link #stop()} may be called from any thread; {@link #poll()} only from the watcher thread
 * (or a test, once that thread has ended). <b>Ownership:</b> the thread holds its guard until stopped; the guard stops
 * it on {@code close()} or when the file changes.
 */
final class ConfigFileWatcher implements Runnable
{
    /** The keys a config file may set: all the guard's but the config file's own. */
    static final List<String> FILE_KEYS = GuardSettings.KEYS.subList(0, GuardSettings.KEYS.size() - 1);

    /**
     * Most bytes a config file may have: 64 KiB, hundreds of times what its four keys need, so that a path set to a
     * large file by mistake is refused rather than read whole every second and held twice (applied and pending).
     */
    static final int MAX_BYTES = 64 * 1024;

    /** Creates the watcher's thread: {@link DaemonThreads#newThread(String, Runnable)}, unless a test fails it. */
    static volatile ThreadMaker threads = DaemonThreads::newThread;

    /** How a message logged with the file's path ({@link AllocationGuard#logInvalidConfigFile}) names it again. */
    static final String THE_FILE = "the file";

    private final AllocationGuard guard;
    private final Path file;
    private final Thread thread;
    private volatile boolean stopped;
    /** The reading last applied or rejected; {@code null} once the file was missing, so its return is a change. */
    private Reading applied;
    /** The previous poll's reading when it differed from {@link #applied}: applied if the next poll reads it again. */
    private Reading pending;

    private ConfigFileWatcher(final AllocationGuard guard, final Path file, final Reading applied)
    {
        this.guard = guard;
        this.file = file;
        this.thread = threads.newThread("docref-guard-config-" + guard.name(), this);
        this.applied = applied;
    }

    /** Start watching {@code file}, whose contents the guard has already applied as {@code applied} read them. */
    static ConfigFileWatcher start(final AllocationGuard guard, final Path file, final Reading applied)
    {
        final ConfigFileWatcher watcher =
            new ConfigFileWatcher(Objects.requireNonNull(guard), file, Objects.requireNonNull(applied));
        watcher.thread.start();
        return watcher;
    }

    /**
     * Creates the watcher's thread, not started. Tests replace it ({@link #threads}) to fail the creation, as the
     * JVM's "unable to create native thread" would, and check that the guard being created or reconfigured undoes
     * what it did.
     */
    @FunctionalInterface
    interface ThreadMaker
    {
        Thread newThread(String name, Runnable task);
    }

    /**
     * What one poll saw of the file: its timestamp, size and identity, taken before its bytes are read, and its bytes.
     * Taking the attributes first means an edit made during or after the read gives a later reading that differs.
     */
    static final class Reading
    {
        private final FileTime modified;
        private final long size;
        /** The file's identity (device and inode on Unix), or {@code null} where the file system has none. */
        private final Object fileKey;
        private final byte[] bytes;

        private Reading(final BasicFileAttributes attributes, final byte[] bytes)
        {
            this.modified = attributes.lastModifiedTime();
            this.size = attributes.size();
            this.fileKey = attributes.fileKey();
            this.bytes = bytes;
        }

        /**
         * Read the file: its attributes, then at most {@value #MAX_BYTES} + 1 bytes. Only a regular file (or a symlink
         * to one) is opened: opening a named pipe waits for a writer, which would hang the thread creating the guard,
         * or the watcher beyond {@code close()}, for good.
         *
         * @throws NoSuchFileException if the file is missing.
         * @throws IOException         if it is not a regular file or cannot be read.
         */
        static Reading of(final Path file) throws IOException
        {
            final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile())
            {
                // Named by the message that wraps this one (notAPropertiesFile), so not here.
                throw new IOException("it is not a regular file but " + (attributes.isDirectory() ?
                    "a directory" : "a pipe, socket or device") + "; it is not opened");
            }
            try (InputStream in = Files.newInputStream(file))
            {
                return new Reading(attributes, in.readNBytes(MAX_BYTES + 1));
            }
        }

        /** Whether both are the same file with the same timestamp, size and bytes. */
        boolean sameAs(final Reading other)
        {
            return other != null && modified.equals(other.modified) && size == other.size &&
                Objects.equals(fileKey, other.fileKey) && Arrays.equals(bytes, other.bytes);
        }

        /**
         * The bytes as properties, read as {@link Properties#load(InputStream)} reads them: ISO 8859-1 with
         * {@code \}{@code u} escapes.
         *
         * @param file the file as the error message names it: {@link #named(Path)}, or {@link #THE_FILE} in a message
         *             that names it already.
         * @throws IllegalArgumentException for a file over {@value #MAX_BYTES} bytes or a malformed escape.
         */
        Properties properties(final String file)
        {
            if (bytes.length > MAX_BYTES)
            {
                throw new IllegalArgumentException(file + " has more than " + MAX_BYTES + " bytes, the most a " +
                    "guard config file may have; accepted: the path of a properties file with only the keys " +
                    FILE_KEYS + ".");
            }
            final Properties properties = new Properties();
            try
            {
                properties.load(new ByteArrayInputStream(bytes));
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                throw notAPropertiesFile(file, ex);
            }
            if (!FILE_KEYS.containsAll(properties.stringPropertyNames()))
            {
                throw firstUnacceptedKey(file, bytes);
            }
            return properties;
        }
    }

    /** Longest line text a message quotes; the rest is cut, as a 64 KiB line is not worth repeating. */
    static final int QUOTED_LINE_CHARS = 120;

    /**
     * The first line of a file that {@link Properties#load} reads whole and that sets a key it may not: {@code this is
     * a bad line} sets the key {@code this} to {@code is a bad line}. Names the line, by number and text, the key and
     * its value, the keys accepted and the fix. Each logical line is read alone as {@link Properties#load} reads the
     * whole (a line ending in an odd number of backslashes continues on the next; a comment line never does), so a
     * key is seen as the file's reading saw it, escapes and all.
     */
    static IllegalArgumentException firstUnacceptedKey(final String file, final byte[] bytes)
    {
        final List<String> lines =
            Arrays.asList(new String(bytes, StandardCharsets.ISO_8859_1).split("\\r\\n|\\r|\\n", -1));
        for (int first = 0; first < lines.size(); first++)
        {
            int last = first;
            while (continues(lines.get(last)) && last + 1 < lines.size())
            {
                last++;
            }
            final Properties one = new Properties();
            try
            {
                one.load(new StringReader(String.join("\n", lines.subList(first, last + 1))));
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                // Not reached: the whole file loaded, so each of its lines does.
            }
            for (final String key : one.stringPropertyNames())
            {
                if (!FILE_KEYS.contains(key))
                {
                    final String text = String.join("\\n", lines.subList(first, last + 1)).strip();
                    final String why = AllocationGuard.CONFIG_PROP_NAME.equals(key) ?
                        key + " names the config file itself and cannot be set in it" :
                        "it sets the key \"" + key + "\" (to \"" + one.getProperty(key) + "\"), which the guard's " +
                        "config file does not accept";
                    return new IllegalArgumentException(file + ", " + (last == first ? "line " + (first + 1) :
                        "lines " + (first + 1) + "-" + (last + 1)) + " \"" + (text.length() > QUOTED_LINE_CHARS ?
                        text.substring(0, QUOTED_LINE_CHARS) + "..." : text) + "\": " + why + "; accepted: only the " +
                        "keys " + FILE_KEYS + ", one key=value a line (a line starting with # is a comment). " +
                        "Correct the key, or remove the line or comment it out.");
                }
            }
            first = last;
        }
        throw new IllegalStateException("no line of the file sets a key it may not, yet the whole file does");
    }

    /** Whether {@code line} continues on the next, as {@link Properties#load} reads it. */
    private static boolean continues(final String line)
    {
        final String stripped = line.stripLeading();
        if (stripped.startsWith("#") || stripped.startsWith("!"))
        {
            return false;
        }
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--)
        {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** The file in a message that must name it: {@code docref.guard.config = "<path>"}. */
    static String named(final Path file)
    {
        return AllocationGuard.CONFIG_PROP_NAME + " = \"" + file + "\"";
    }

    /**
     * The file cannot be read, or read as properties: names the cause and what is accepted.
     *
     * @param file the file as the message names it, as for {@link Reading#properties(String)}.
     */
    static IllegalArgumentException notAPropertiesFile(final String file, final Exception cause)
    {
        return new IllegalArgumentException(file + " cannot be read as a properties file (" + cause + "); " +
            "accepted: the path of a readable properties file with the keys " + FILE_KEYS + ".", cause);
    }

    void stop()
    {
        stopped = true;
        thread.interrupt();
    }

    /** For tests: wait for the thread to end after {@link #stop()}, so that only the test calls {@link #poll()}. */
    void awaitStopped() throws InterruptedException
    {
        thread.join();
    }

    public void run()
    {
        final long pollMillis = AllocationGuard.CONFIG_POLL_INTERVAL.toMillis();
        while (!stopped)
        {
            try
            {
                Thread.sleep(pollMillis);
            }
            catch (final InterruptedException ex)
            {
                if (stopped)
                {
                    return;
                }
            }
            if (!stopped && poll())
            {
                return;
            }
        }
    }

    /**
     * Read the file once and apply it if this reading is new and the same as the previous poll's.
     *
     * @return true when the guard no longer wants this watcher.
     */
    boolean poll()
    {
        final Reading now;
        try
        {
            now = Reading.of(file);
        }
        catch (final IOException ex)
        {
            if (stopped)
            {
                // Stopping interrupts the thread, which fails a read in progress: not a bad file.
                return true;
            }
            pending = null;
            if (applied != null)
            {
                // Logged once: whatever the file reads next differs from null, so it is applied.
                applied = null;
                guard.logInvalidConfigFile(file, ex instanceof NoSuchFileException ?
                    new IllegalArgumentException("the file is gone; the guard keeps its configuration and applies " +
                        "the file when it returns") : notAPropertiesFile(THE_FILE, ex));
            }
            return false;
        }
        if (now.sameAs(applied))
        {
            pending = null;
            return false;
        }
        if (!now.sameAs(pending))
        {
            pending = now;
            return false;
        }
        pending = null;
        // Applied or rejected, this reading is not looked at again until the file changes: a bad edit is logged once.
        applied = now;
        try
        {
            return !guard.applyConfigFile(this, now.properties(THE_FILE));
        }
        catch (final IllegalArgumentException ex)
        {
            guard.logInvalidConfigFile(file, ex);
            return false;
        }
    }
}
