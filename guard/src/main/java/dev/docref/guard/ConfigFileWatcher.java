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
    /** The (time, size) of the version last applied or rejected. */
    private FileTime lastModified;
    private long lastSize;
    private boolean missing;

    private ConfigFileWatcher(final AllocationGuard guard, final Path file)
    {
        this.guard = guard;
        this.file = file;
        this.thread = DaemonThreads.newThread("docref-guard-config-" + guard.name(), this);
        stamp();
    }

    /** Start watching {@code file}, whose current contents the guard has already applied. */
    static ConfigFileWatcher start(final AllocationGuard guard, final Path file)
    {
        final ConfigFileWatcher watcher = new ConfigFileWatcher(Objects.requireNonNull(guard), file);
        watcher.thread.start();
        return watcher;
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
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final NoSuchFileException ex)
        {
            if (!missing)
            {
                missing = true;
                AllocationGuard.logInvalidConfigFile(file, new IllegalArgumentException(
                    "the file is gone; the guard keeps its configuration and applies the file when it returns"));
            }
            return false;
        }
        catch (final IOException ex)
        {
            return false;
        }
        if (!missing && attributes.lastModifiedTime().equals(lastModified) && attributes.size() == lastSize)
        {
            return false;
        }
        missing = false;
        lastModified = attributes.lastModifiedTime();
        lastSize = attributes.size();
        try
        {
            final Properties contents = AllocationGuard.readConfigFile(file);
            return !guard.applyConfigFile(file, contents);
        }
        catch (final IllegalArgumentException ex)
        {
            AllocationGuard.logInvalidConfigFile(file, ex);
            return false;
        }
    }

    private void stamp()
    {
        try
        {
            final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            lastModified = attributes.lastModifiedTime();
            lastSize = attributes.size();
        }
        catch (final IOException ex)
        {
            missing = true;
        }
    }
}
