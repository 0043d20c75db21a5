package dev.docref.trap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The directory that holds captures, one {@code capture-<UTC timestamp>-pid<PID>-<trigger>/} directory each, kept
 * within a disk budget by deleting the oldest capture first.
 * <p>
 * Timestamps are {@code yyyyMMdd'T'HHmmss.SSS'Z'}, so names sort oldest first, e.g.
 * {@code capture-20261129T101500.123Z-pid4242-probe-deadline}; {@code PID} is the process that writes the capture
 * (for {@code docref-trap.jar watch}, the watcher, not the watched process, which {@code summary.json} names), so
 * that the captures of several JVMs sharing one directory (the default {@code docref.trap.dir} is the same for all
 * of them) can be told apart. A second capture of one process in the same millisecond gets {@code -2}, and so on.
 * <p>
 * <b>Captures in progress.</b> While a capture is written it holds a file {@value #IN_PROGRESS} with the writer's
 * pid and start time; {@link #complete} removes it, and so does {@link #fail}. The directory is made under a hidden
 * name and renamed into place with its marker, so no process ever sees a capture without one. The budget pass never
 * deletes a capture whose marker names a live process: another JVM may still be writing into it. A marker whose
 * process is gone (its JVM died mid-capture) protects nothing, and neither does one whose pid now belongs to a
 * process that started at another time: in a container the JVM is usually pid 1, and so is the JVM restarted after
 * it was killed mid-capture, which must not take the dead one's capture for its own; a thread's id, from the same
 * numbers, is no writer either. Only when a start time is unknown (a marker that holds none, as earlier builds
 * wrote and as a JVM that cannot read its own start time writes, or a live process whose start time the JDK cannot
 * read) is the pid alone trusted, and then a pid the kernel has since given to another live process keeps such a
 * capture until that process exits: the error is on the side of keeping. Pids mean something only within one pid
 * namespace, so JVMs in different containers must not share a directory (see {@code trap.md}).
 * <p>
 * <b>The budget counts every capture in the directory</b>, whichever process wrote it and whether or not it is
 * complete, because it protects the disk: with three JVMs sharing the default directory and its 512 MiB budget, the
 * three together stay within 512 MiB, and each one's budget pass may delete the others' complete captures, oldest
 * first. Only directories named {@code capture-*} are counted or deleted; other files in the directory are left
 * alone. The capture just written is never deleted: if it (and the captures other processes are still writing)
 * alone exceed the budget they stay, and {@link #enforceBudget} reports it.
 * <p>
 * <b>Thread-safety:</b> methods are synchronized; one store per directory per process. Processes do not lock each
 * other out: two budget passes at once may both try to delete the same capture, which is harmless.
 */
final class CaptureStore
{
    static final String PREFIX = "capture-";
    /**
     * The marker file of a capture being written: the writing process's id and its start time in milliseconds since
     * the epoch ({@code ProcessHandle.Info.startInstant()}), in decimal, separated by a space, and a newline, e.g.
     * {@code 1 1764411300120}; just the id and a newline if the writer cannot read its start time.
     */
    static final String IN_PROGRESS = "in-progress";
    /** What a capture that failed part way, and was kept for its evidence, says about the failure. */
    static final String FAILURE = "failure.txt";
    private static final DateTimeFormatter TIMESTAMP =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    /**
     * How old a staging directory ({@code .capture-*}) must be before a budget pass removes it when no live process
     * writes it: a process creates one and renames it into place within microseconds, so one left this long was
     * left by a process that died in between.
     */
    static final Duration STAGING_GRACE = Duration.ofMinutes(1);
    /** What {@link #liveWriter} returns for a capture no live process is writing; no process has id 0. */
    private static final long NO_WRITER = 0;
    /** A marker's start time when it holds none. */
    private static final long UNKNOWN_START = Long.MIN_VALUE;

    private final Path root;
    private final long maxBytes;
    private final long pid = ProcessHandle.current().pid();
    /** The text of this process's {@value #IN_PROGRESS} markers. */
    private final String marker = marker(ProcessHandle.current());

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
     * Creates a new capture directory holding only its {@value #IN_PROGRESS} marker.
     *
     * @param time    the capture's trigger time, in its name.
     * @param trigger what fired, in its name.
     * @throws UncheckedIOException if it cannot be created.
     */
    synchronized Path create(final Instant time, final Trigger trigger)
    {
        final String name = PREFIX + TIMESTAMP.format(time) + "-pid" + pid + "-" + trigger.slug();
        try
        {
            Files.createDirectories(root);
            for (int attempt = 1; ; attempt++)
            {
                final Path directory = createMarked(attempt == 1 ? name : name + "-" + attempt);
                if (directory != null)
                {
                    return directory;
                }
                // Taken: two captures in one millisecond cannot happen (one at a time), but a restarted trap might.
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a capture directory in " + root.toAbsolutePath() +
                " (" + FreezeTrap.DIR_PROP_NAME + "): " + ex, ex);
        }
    }

    /**
     * Marks a capture complete: removes its {@value #IN_PROGRESS} marker, so that budget passes may delete it.
     *
     * @throws UncheckedIOException if the marker cannot be removed.
     */
    synchronized void complete(final Path capture)
    {
        final Path marker = capture.resolve(IN_PROGRESS);
        try
        {
            Files.deleteIfExists(marker);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + marker + ": until this process exits, no budget pass " +
                "deletes " + capture.getFileName() + ": " + ex, ex);
        }
    }

    /**
     * Ends a capture that failed part way, leaving what is worth an operator's look. If no file in it holds a byte
     * (it failed before writing any evidence: the trap closing as it began, a disk full from its first write), its
     * directory is deleted. Otherwise it stays, with {@value #FAILURE} holding {@code failure}, and without its
     * {@value #IN_PROGRESS} marker, so that budget passes treat it as any other capture.
     *
     * @param failure the text of {@value #FAILURE}: what failed.
     * @return what became of the directory, for the log.
     */
    synchronized String fail(final Path capture, final String failure)
    {
        final List<String> evidence = evidence(capture);
        if (evidence.isEmpty())
        {
            return deleteTree(capture) || !Files.exists(capture)
                ? "removed " + capture + ": it held no evidence (no file with a byte in it)"
                : "could not remove " + capture + ", which holds no evidence: delete it by hand";
        }
        String remains;
        try
        {
            writeText(capture.resolve(FAILURE), failure);
            remains = "kept " + capture + " for the evidence it holds (" + String.join(", ", evidence) + "); " +
                "what failed is in " + capture.resolve(FAILURE);
        }
        catch (final IOException ex)
        {
            remains = "kept " + capture + " for the evidence it holds (" + String.join(", ", evidence) + "), but " +
                "could not write " + FAILURE + " there: " + ex;
        }
        try
        {
            complete(capture);
        }
        catch (final UncheckedIOException ex)
        {
            remains += "; " + ex.getMessage();
        }
        return remains;
    }

    /**
     * Writes a capture's text file as UTF-8. A char UTF-8 cannot encode (half a surrogate pair, from a thread's name
     * or a trigger's reason) is written as {@code ?}, as {@link String#getBytes} writes it, where
     * {@link Files#writeString} would throw and fail the whole capture.
     */
    static void writeText(final Path file, final String text) throws IOException
    {
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Deletes the oldest captures until all fit in the budget, never {@code keep} and never one that a live process
     * is still writing (see the class comment).
     *
     * @param keep the capture just written, or {@code null}.
     * @return one line per deleted capture, and one naming what is left if the captures still exceed the budget.
     */
    synchronized List<String> enforceBudget(final Path keep)
    {
        final List<String> report = new ArrayList<>();
        removeLeftStaging(report);
        final List<Path> captures = captures();
        final long[] sizes = new long[captures.size()];
        long used = 0;
        for (int i = 0; i < captures.size(); i++)
        {
            sizes[i] = sizeOf(captures.get(i));
            used += sizes[i];
        }
        final List<String> left = new ArrayList<>();
        for (int i = 0; i < captures.size() && used > maxBytes; i++)
        {
            final Path capture = captures.get(i);
            final String kept = capture.getFileName() + " (" + sizes[i] + " bytes, ";
            final long writer = liveWriter(capture);
            if (capture.equals(keep))
            {
                left.add(kept + "just written)");
            }
            else if (writer != NO_WRITER)
            {
                left.add(kept + "being written by live process " + writer + ")");
            }
            else if (deleteTree(capture))
            {
                used -= sizes[i];
                report.add("deleted " + capture.getFileName() + " (" + sizes[i] + " bytes) to stay within " +
                    maxBytes + " bytes (" + FreezeTrap.MAX_DISK_PROP_NAME + ")");
            }
            else
            {
                left.add(kept + "could not be deleted)");
            }
        }
        if (used > maxBytes)
        {
            // Every capture was visited: what is left over the budget is what could not go.
            report.add("captures use " + used + " bytes, over the " + maxBytes + " bytes of " +
                FreezeTrap.MAX_DISK_PROP_NAME + ", after deleting every capture that could go; left: " +
                String.join(", ", left) + "; raise " + FreezeTrap.MAX_DISK_PROP_NAME + " if this recurs");
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

    /**
     * Removes the staging directories ({@code .capture-*}, see {@link #createMarked}) that processes which died
     * between making one and renaming it left behind: those at least {@link #STAGING_GRACE} old whose marker names no
     * live process (or that have none), adding a line for each to {@code report}.
     */
    private void removeLeftStaging(final List<String> report)
    {
        final Instant cutoff = Instant.now().minus(STAGING_GRACE);
        final List<Path> staging = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root))
        {
            entries.filter(p -> p.getFileName().toString().startsWith("." + PREFIX) && Files.isDirectory(p))
                .forEach(staging::add);
        }
        catch (final IOException ex)
        {
            return;
        }
        for (final Path directory : staging)
        {
            try
            {
                if (Files.getLastModifiedTime(directory).toInstant().isAfter(cutoff) ||
                    liveWriter(directory) != NO_WRITER)
                {
                    continue;
                }
            }
            catch (final IOException ex)
            {
                continue;
            }
            if (deleteTree(directory))
            {
                report.add("deleted " + directory.getFileName() + ", left while a process that died was creating a " +
                    "capture");
            }
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

    /**
     * Creates {@code root/name} holding its {@value #IN_PROGRESS} marker: made as {@code root/.name} and renamed, so
     * that the marker is there from the moment the name is.
     *
     * @return the capture directory, or {@code null} if {@code name} is taken.
     */
    private Path createMarked(final String name) throws IOException
    {
        final Path staging;
        try
        {
            staging = Files.createDirectory(root.resolve("." + name));
        }
        catch (final FileAlreadyExistsException ex)
        {
            return null;
        }
        try
        {
            Files.writeString(staging.resolve(IN_PROGRESS), marker, StandardCharsets.US_ASCII);
            return Files.move(staging, root.resolve(name));
        }
        catch (final FileAlreadyExistsException ex)
        {
            deleteTree(staging);
            return null;
        }
        catch (final IOException | RuntimeException ex)
        {
            deleteTree(staging);
            throw ex;
        }
    }

    /** @return the files of {@code capture} that hold a byte, but its marker, relative to it and sorted. */
    private static List<String> evidence(final Path capture)
    {
        try (Stream<Path> files = Files.walk(capture))
        {
            final List<String> evidence = new ArrayList<>();
            files.filter(file -> Files.isRegularFile(file) && !file.getFileName().toString().equals(IN_PROGRESS) &&
                sizeOf(file) > 0).map(file -> capture.relativize(file).toString()).sorted().forEach(evidence::add);
            return evidence;
        }
        catch (final IOException | UncheckedIOException ex)
        {
            // Gone, or unreadable: nothing in it can be shown to be worth keeping.
            return List.of();
        }
    }

    /** @return the text of the {@value #IN_PROGRESS} marker that {@code writer} writes. */
    static String marker(final ProcessHandle writer)
    {
        final Optional<Instant> started = writer.info().startInstant();
        return writer.pid() + (started.isPresent() ? " " + started.get().toEpochMilli() : "") + "\n";
    }

    /**
     * @return the id of the live process whose {@value #IN_PROGRESS} marker {@code capture} holds, or
     *         {@link #NO_WRITER} if it holds none (complete or failed), or one that names no live process: its pid is
     *         gone, or now belongs to a process that started at another time. A marker without a start time, or a
     *         live process whose start time is unknown, is judged by the pid alone.
     */
    private static long liveWriter(final Path capture)
    {
        final long writer;
        final long started;
        try
        {
            final String[] fields =
                Files.readString(capture.resolve(IN_PROGRESS), StandardCharsets.US_ASCII).strip().split(" ", -1);
            if (fields.length > 2)
            {
                return NO_WRITER;
            }
            writer = Long.parseLong(fields[0]);
            started = fields.length == 2 ? Long.parseLong(fields[1]) : UNKNOWN_START;
        }
        catch (final IOException | NumberFormatException ex)
        {
            // No marker (the usual case), or one that is not a marker, which no process of ours writes.
            return NO_WRITER;
        }
        final Optional<ProcessHandle> process =
            writer > 0 ? ProcessHandle.of(writer).filter(ProcessHandle::isAlive) : Optional.empty();
        if (process.isEmpty())
        {
            return NO_WRITER;
        }
        final Optional<Instant> processStarted = process.get().info().startInstant();
        return started == UNKNOWN_START || processStarted.isEmpty() || processStarted.get().toEpochMilli() == started
            ? writer : NO_WRITER;
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
