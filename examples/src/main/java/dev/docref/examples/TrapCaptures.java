package dev.docref.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.docref.trap.FreezeTrap;
import dev.docref.trap.Trigger;

/**
 * The captures a {@link FreezeTrap} writes into one directory, as the examples follow them: which are new (those
 * already there when this was made are an earlier run's), which are still being written, which ended, and each read
 * back as a {@link PhaseResult.CaptureRecord}. {@link IncidentReplay}'s {@link PhaseTrap} and {@link CatchAFreeze}
 * share it.
 * <p>
 * A capture ends one of two ways. Complete, it is handed to the trap's {@code onCapture} listener, which must call
 * {@link #completed}. Failed part way (a full disk, say), it is never handed to the listener: the trap logs it and
 * keeps its directory with {@link #FAILURE} if it holds any evidence. So a capture not reported complete counts as
 * pending until its directory holds {@link #FAILURE}; the first look that finds it tells the {@code onFailure}
 * listener this was made with.
 * <p>
 * <b>Thread-safety:</b> {@link #completed} from the trap's capture thread; the rest from one thread at a time, which
 * the {@code onFailure} listener is called on.
 */
final class TrapCaptures
{
    /**
     * What a capture that failed part way holds instead of its summary (the trap's {@code CaptureStore.FAILURE},
     * package-private there; {@code trap.md} documents the name).
     */
    static final String FAILURE = "failure.txt";
    /** A capture's {@code tool:} line in {@code summary.txt} when no tool produced stacks (the trap's own text). */
    static final String NO_TOOL = "none produced stacks";
    private static final String SUMMARY = "summary.json";
    private static final Pattern CAPTURE_NAME;
    private static final DateTimeFormatter CAPTURE_TIME =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** How often {@link #awaitFirst} looks at the directory. */
    private static final long LOOK_MILLIS = 100;

    static
    {
        final String triggers = Stream.of(Trigger.values()).map(Trigger::slug).collect(Collectors.joining("|"));
        CAPTURE_NAME = Pattern.compile("capture-(\\d{8}T\\d{6}\\.\\d{3}Z)-pid\\d+-(" + triggers + ")(-\\d+)?");
    }

    private final Path dir;
    private final Set<Path> earlier;
    private final Consumer<Path> onFailure;
    /**
     * Names of the capture directories the trap has handed to {@code onCapture}. A capture writes its summary before
     * it returns to the trap, which then calls {@code onCapture} and only after that frees its throttle: until then
     * a new trigger is refused, so a capture counts as pending until it is here, not when its summary appears.
     */
    private final Set<String> completed = ConcurrentHashMap.newKeySet();
    /** Names of the capture directories found holding {@link #FAILURE}: ended, though never reported. */
    private final Set<String> failed = ConcurrentHashMap.newKeySet();

    /**
     * @param dir       where the trap writes its captures; those already there are not followed.
     * @param onFailure told the directory of each capture found failed part way, once.
     */
    TrapCaptures(final Path dir, final Consumer<Path> onFailure) throws IOException
    {
        this.dir = dir;
        this.earlier = new HashSet<>(captureDirectories(dir));
        this.onFailure = onFailure;
    }

    /** @return what to say of a capture found failed part way: where it is, and that its {@link #FAILURE} says why. */
    static String failedPartWay(final Path directory)
    {
        return "a capture failed part way, kept for what it holds: " + directory.resolve(FAILURE);
    }

    /** The trap's {@code onCapture}: the capture in {@code directory} is complete. */
    void completed(final Path directory)
    {
        completed.add(directory.getFileName().toString());
    }

    /**
     * @return the new capture directories still being written: not reported complete and not holding
     *         {@link #FAILURE}. A failed capture is never reported, so without the second test it would be pending
     *         for ever.
     */
    List<Path> pending()
    {
        try
        {
            final List<Path> pending = new ArrayList<>();
            for (final Path directory : captureDirectories(dir))
            {
                final String name = directory.getFileName().toString();
                if (earlier.contains(directory) || completed.contains(name) || failed.contains(name))
                {
                    continue;
                }
                if (Files.exists(directory.resolve(FAILURE)))
                {
                    if (failed.add(name))
                    {
                        onFailure.accept(directory);
                    }
                    continue;
                }
                pending.add(directory);
            }
            return pending;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list the captures in " + dir + ": " + ex, ex);
        }
    }

    /**
     * Waits until a new capture has ended, complete or failed part way, looking every 100 ms.
     *
     * @param wait  the longest wait; with zero it looks once.
     * @param since the time its {@link PhaseResult.CaptureRecord#atNanos} counts from.
     * @return the oldest new capture that has ended, or {@code null} if none had by the end of {@code wait}.
     */
    PhaseResult.CaptureRecord awaitFirst(final Duration wait, final Instant since)
        throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + wait.toNanos();
        while (true)
        {
            final List<Path> pending = pending();
            for (final Path directory : captureDirectories(dir))
            {
                final PhaseResult.CaptureRecord capture = earlier.contains(directory) || pending.contains(directory)
                    ? null : read(directory, since);
                if (capture != null)
                {
                    return capture;
                }
            }
            if (System.nanoTime() - deadline >= 0)
            {
                return null;
            }
            TimeUnit.MILLISECONDS.sleep(LOOK_MILLIS);
        }
    }

    /**
     * @param since the time each capture's {@link PhaseResult.CaptureRecord#atNanos} counts from.
     * @return the new captures, oldest first, whatever their state.
     */
    List<PhaseResult.CaptureRecord> captures(final Instant since) throws IOException
    {
        final List<PhaseResult.CaptureRecord> captures = new ArrayList<>();
        for (final Path directory : captureDirectories(dir))
        {
            if (!earlier.contains(directory))
            {
                final PhaseResult.CaptureRecord capture = read(directory, since);
                if (capture != null)
                {
                    captures.add(capture);
                }
            }
        }
        return captures;
    }

    private static List<Path> captureDirectories(final Path dir) throws IOException
    {
        if (!Files.isDirectory(dir))
        {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir))
        {
            return entries.filter(path -> CAPTURE_NAME.matcher(path.getFileName().toString()).matches())
                .sorted().collect(Collectors.toList());
        }
    }

    /**
     * Reads a capture back from its directory: {@code capture-<UTC timestamp>-pid<PID>-<trigger>}, and the
     * {@code stall:} and {@code tool:} lines of its {@code summary.txt}.
     *
     * @param since the time its {@link PhaseResult.CaptureRecord#atNanos} counts from.
     * @return the capture, or {@code null} if the name is not a capture's.
     */
    static PhaseResult.CaptureRecord read(final Path directory, final Instant since) throws IOException
    {
        final Matcher name = CAPTURE_NAME.matcher(directory.getFileName().toString());
        if (!name.matches())
        {
            return null;
        }
        final Instant firedAt;
        try
        {
            firedAt = Instant.from(CAPTURE_TIME.parse(name.group(1)));
        }
        catch (final DateTimeParseException ex)
        {
            return null;
        }
        String stall = "";
        String tool = "";
        final Path summary = directory.resolve("summary.txt");
        if (Files.exists(summary))
        {
            for (final String line : Files.readAllLines(summary, StandardCharsets.UTF_8))
            {
                if (line.startsWith("stall:"))
                {
                    stall = line.substring("stall:".length()).strip();
                }
                else if (line.startsWith("tool:"))
                {
                    tool = line.substring("tool:".length()).strip();
                }
            }
        }
        return new PhaseResult.CaptureRecord(directory, name.group(2), firedAt,
            Duration.between(since, firedAt).toNanos(), stall, tool, Files.exists(directory.resolve(SUMMARY)),
            Files.exists(directory.resolve(FAILURE)));
    }
}
