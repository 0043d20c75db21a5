package dev.docref.guard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.Properties;

/**
 * The daemon thread that re-reads an {@link AllocationGuard}'s config file when its timestamp or size changes.
 * <p>
 * It polls once per {@link AllocationGuard#CONFIG_POLL_INTERVAL} (one {@code stat} a second), so neither
 * {@code check} nor any get or put of a guarded structure ever touches the file system. A change is applied whole or
 * not at all: a bad value, an unreadable or vanished file is logged at {@code WARNING} once per change and ignored,
 * and the guard keeps its configuration. Polling rather than a {@code WatchService} because the latter misses edits
 * on some network file systems and through some symlinked config mounts (Kubernetes {@code ConfigMap}s).
 * <p>
 * <b>Thread-safety:</b> {@link #stop()} may be called from any thread. <b>Ownership:</b> the thread holds its guard
 * until stopped; the guard stops it on {@code close()} or when the file changes.
 */
final class ConfigFileWatcher implements Runnable
{
    private final AllocationGuard guard;
    private final Path file;
    private final Thread thread;
    private volatile boolean stopped;
    /** The version last applied or rejected, or that the file was missing. */
    private Version last;

    private ConfigFileWatcher(final AllocationGuard guard, final Path file, final Version applied)
    {
        this.guard = guard;
        this.file = file;
        this.thread = DaemonThreads.newThread("docref-guard-config-" + guard.name(), this);
        this.last = applied;
    }

    /**
     * Start watching {@code file}, whose contents the guard has already applied as they were at {@code applied}:
     * the version taken before the file was read, so that an edit made after it is applied on the first poll.
     */
    static ConfigFileWatcher start(final AllocationGuard guard, final Path file, final Version applied)
    {
        final ConfigFileWatcher watcher =
            new ConfigFileWatcher(Objects.requireNonNull(guard), file, Objects.requireNonNull(applied));
        watcher.thread.start();
        return watcher;
    }

    /** A file's timestamp and size at one moment, or that it was missing or unreadable. */
    static final class Version
    {
        static final Version MISSING = new Version(null, 0);

        /** Null when missing. */
        final FileTime modified;
        final long size;

        private Version(final FileTime modified, final long size)
        {
            this.modified = modified;
            this.size = size;
        }

        /** Take it before reading the file: a change after this is then seen by the watcher's next poll. */
        static Version of(final Path file)
        {
            try
            {
                return read(file);
            }
            catch (final IOException ex)
            {
                return MISSING;
            }
        }

        static Version read(final Path file) throws IOException
        {
            final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new Version(attributes.lastModifiedTime(), attributes.size());
        }

        boolean missing()
        {
            return modified == null;
        }

        /** Whether both are the same present version: a file that was missing has changed whatever it is now. */
        boolean sameAs(final Version other)
        {
            return !missing() && !other.missing() && modified.equals(other.modified) && size == other.size;
        }
    }

    void stop()
    {
        stopped = true;
        thread.interrupt();
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

    /** @return true when the guard no longer wants this watcher. */
    private boolean poll()
    {
        final Version now;
        try
        {
            now = Version.read(file);
        }
        catch (final NoSuchFileException ex)
        {
            if (!last.missing())
            {
                last = Version.MISSING;
                AllocationGuard.logInvalidConfigFile(file, new IllegalArgumentException(
                    "the file is gone; the guard keeps its configuration and applies the file when it returns"));
            }
            return false;
        }
        catch (final IOException ex)
        {
            return false;
        }
        if (now.sameAs(last))
        {
            return false;
        }
        last = now;
        try
        {
            final Properties contents = AllocationGuard.readConfigFile(file);
            return !guard.applyConfigFile(this, contents);
        }
        catch (final IllegalArgumentException ex)
        {
            if (stopped)
            {
                // Stopping interrupts the thread, which fails a read in progress: not a bad file.
                return true;
            }
            AllocationGuard.logInvalidConfigFile(file, ex);
            return false;
        }
    }
}
