package dev.docref.trap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directory that holds captures, one {@code capture-<UTC timestamp>-<trigger>/} directory each, kept within a
 * disk budget by deleting the oldest capture first.
 * <p>
 * Timestamps are {@code yyyyMMdd'T'HHmmss.SSS'Z'}, so names sort oldest first, e.g.
 * {@code capture-20261129T101500.123Z-probe-deadline}. Only directories named {@code capture-*} are counted or
 * deleted; other files in the directory are left alone. The capture just written is never deleted: if it alone
 * exceeds the budget it stays, and {@link #enforceBudget} reports it.
 * <b>Thread-safety:</b> methods are synchronized; one store per directory per process.
 */
final class CaptureStore
{
    static final String PREFIX = "capture-";
    private static final DateTimeFormatter TIMESTAMP =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path root;
    private final long maxBytes;

    /**
     * @param root     the directory; created when the first capture is.
     * @param maxBytes the disk budget for all captures together.
     */
    CaptureStore(final Path root, final long maxBytes)
    {
        this.root = root;
        this.maxBytes = maxBytes;
    }

    /**
     * Creates a new, empty capture directory.
     *
     * @param time    the capture's trigger time, in its name.
     * @param trigger what fired, in its name.
     * @throws UncheckedIOException if it cannot be created.
     */
    synchronized Path create(final Instant time, final Trigger trigger)
    {
        final String name = PREFIX + TIMESTAMP.format(time) + "-" + trigger.slug();
        try
        {
            Files.createDirectories(root);
            for (int attempt = 1; ; attempt++)
            {
                final Path directory = root.resolve(attempt == 1 ? name : name + "-" + attempt);
                try
                {
                    return Files.createDirectory(directory);
                }
                catch (final FileAlreadyExistsException ex)
                {
                    // Two captures in one millisecond cannot happen (one at a time), but a restarted trap might.
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a capture directory in " + root.toAbsolutePath() +
                " (" + FreezeTrap.DIR_PROP_NAME + "): " + ex, ex);
        }
    }

    /**
     * Deletes the oldest captures until all fit in the budget, never {@code keep}.
     *
     * @param keep the capture just written, or {@code null}.
     * @return one line per deleted capture, and one if {@code keep} alone is over the budget.
     */
    synchronized List<String> enforceBudget(final Path keep)
    {
        final List<String> report = new ArrayList<>();
        final List<Path> captures = captures();
        long used = 0;
        final List<Long> sizes = new ArrayList<>();
        for (final Path capture : captures)
        {
            final long size = sizeOf(capture);
            sizes.add(size);
            used += size;
        }
        for (int i = 0; i < captures.size() && used > maxBytes; i++)
        {
            final Path capture = captures.get(i);
            if (capture.equals(keep))
            {
                continue;
            }
            if (deleteTree(capture))
            {
                used -= sizes.get(i);
                report.add("deleted " + capture.getFileName() + " (" + sizes.get(i) + " bytes) to stay within " +
                    maxBytes + " bytes (" + FreezeTrap.MAX_DISK_PROP_NAME + ")");
            }
        }
        if (used > maxBytes && keep != null)
        {
            report.add("captures use " + used + " bytes, over the " + maxBytes + " bytes of " +
                FreezeTrap.MAX_DISK_PROP_NAME + ", because the newest capture (" + keep.getFileName() + ", kept) is " +
                "that large by itself: raise " + FreezeTrap.MAX_DISK_PROP_NAME);
        }
        return report;
    }

    /** @return the capture directories, oldest first. */
    synchronized List<Path> captures()
    {
        if (!Files.isDirectory(root))
        {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root))
        {
            final List<Path> captures = new ArrayList<>();
            entries.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p))
                .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                .forEach(captures::add);
            return captures;
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    /** @return the bytes of all capture directories. */
    synchronized long usedBytes()
    {
        long used = 0;
        for (final Path capture : captures())
        {
            used += sizeOf(capture);
        }
        return used;
    }

    Path root()
    {
        return root;
    }

    long maxBytes()
    {
        return maxBytes;
    }

    static long sizeOf(final Path tree)
    {
        try (Stream<Path> files = Files.walk(tree))
        {
            return files.filter(Files::isRegularFile).mapToLong(file ->
            {
                try
                {
                    return Files.size(file);
                }
                catch (final IOException ex)
                {
                    return 0;
                }
            }).sum();
        }
        catch (final IOException | UncheckedIOException ex)
        {
            return 0;
        }
    }

    private static boolean deleteTree(final Path tree)
    {
        try (Stream<Path> files = Files.walk(tree))
        {
            final List<Path> deepestFirst = new ArrayList<>();
            files.sorted(Comparator.reverseOrder()).forEach(deepestFirst::add);
            for (final Path file : deepestFirst)
            {
                Files.deleteIfExists(file);
            }
            return true;
        }
        catch (final IOException | UncheckedIOException ex)
        {
            return false;
        }
    }
}
