package dev.docref.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.docref.guard.PropertyValues;

/**
 * The command line of {@link IncidentReplay}: every option, its default and its checks.
 * <p>
 * <b>Thread-safety:</b> built once by {@link #parse} on the main thread, then only read.
 */
final class ReplayOptions
{
    /** One past 0.75 &times; 2^23: the insert that makes both HashMap and fastutil double to 2^24 slots. */
    static final long DEFAULT_ENTRIES = 6_291_457L;
    /** One past 7/8 &times; 2^26: the incident's own threshold, {@code --entries 58720257}. */
    static final long INCIDENT_ENTRIES = 58_720_257L;
    static final long MIN_ENTRIES = 1_000;
    /** Keys live in one {@code long[]}. */
    static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;
    static final int DEFAULT_QUERY_THREADS = 2;
    static final int MAX_QUERY_THREADS = 64;
    /** 20,000 queries a second in all: one every 100 us per query thread at the default 2 threads. */
    static final long DEFAULT_QUERIES_PER_SECOND = 20_000;
    /** A query thread is not scheduled more often than once a microsecond. */
    static final long MIN_QUERY_INTERVAL_NANOS = 1_000;
    /** The capture window at the default scale; {@link #captureDuration()} scales it with the entries. */
    static final Duration DEFAULT_CAPTURE_DURATION = Duration.ofSeconds(3);
    static final Duration MAX_CAPTURE_DURATION = Duration.ofMinutes(10);
    static final Duration DEFAULT_ARMING_DELAY = Duration.ofMillis(500);
    static final Duration MAX_ARMING_DELAY = Duration.ofSeconds(10);
    static final String DEFAULT_OUT = "incident-replay";
    static final List<FeedIndex.Kind> DEFAULT_MAPS =
        List.of(FeedIndex.Kind.HASHMAP, FeedIndex.Kind.FASTUTIL, FeedIndex.Kind.DOCREF);

    static final String USAGE = String.join("\n",
        "usage: java -jar examples/target/incident-replay.jar [options]",
        "",
        "Replays the feed-index incident: one thread ingests keys while query threads read them, on",
        "java.util.HashMap and fastutil (behind a read-write lock) and on docref's PresizedDocRefMap.",
        "",
        "  --entries N               keys to ingest (default 6291457, one past 0.75 x 2^23, where HashMap and",
        "                            fastutil double to 2^24 slots; 58720257 replays the incident's scale and",
        "                            needs java -Xmx12g)",
        "  --maps LIST               maps to run, in order: hashmap, fastutil, docref, docref-presized",
        "                            (default hashmap,fastutil,docref)",
        "  --query-threads N         query threads (default 2)",
        "  --queries-per-second N    query rate of all query threads together (default 20000)",
        "  --guard-limit SIZE        the allocation guard's single-allocation limit, WARN mode (default: 4 bytes",
        "                            per slot of HashMap's last table at this scale, so that both maps' last",
        "                            doublings cross it: 64MiB at the default scale, 512MiB at 58720257)",
        "  --capture-duration TIME   window of each trap capture, whole seconds (default: 3s at the default",
        "                            scale, longer for more entries, as resizes take longer: 24s at 58720257)",
        "  --arming-delay TIME       pause after a guard warning before the insert that resizes, so that the",
        "                            profiler the warning starts is attached when the freeze begins (default",
        "                            500ms; 0ms for none)",
        "  --out DIR                 directory for incident-report.html and the captures (default",
        "                            ./incident-replay)",
        "  --seed N                  seed of the random keys (default 20261129)",
        "  --help                    print this and exit",
        "",
        "Sizes: 64MiB, 512k, 1g, or bytes. Times: 500ms, 5s, 1m.");

    long entries = DEFAULT_ENTRIES;
    List<FeedIndex.Kind> maps = DEFAULT_MAPS;
    int queryThreads = DEFAULT_QUERY_THREADS;
    long queriesPerSecond = DEFAULT_QUERIES_PER_SECOND;
    /** {@code null}: scaled with the entries, see {@link #guardLimit()}. */
    Long guardLimit;
    /** {@code null}: scaled with the entries, see {@link #captureDuration()}. */
    Duration captureDuration;
    Duration armingDelay = DEFAULT_ARMING_DELAY;
    Path out = Path.of(DEFAULT_OUT);
    long seed = 20_261_129L;
    boolean help;

    /**
     * @param args the command line.
     * @return the options.
     * @throws IllegalArgumentException naming the option, the value and what is accepted.
     */
    static ReplayOptions parse(final String[] args)
    {
        final ReplayOptions options = new ReplayOptions();
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (arg.startsWith("--") && !seen.add(arg))
            {
                throw new IllegalArgumentException(arg + " is given twice");
            }
            switch (arg)
            {
                case "--entries":
                    options.entries = parseCount(arg, value(args, ++i, arg), MIN_ENTRIES, MAX_ENTRIES);
                    break;
                case "--maps":
                    options.maps = parseMaps(value(args, ++i, arg));
                    break;
                case "--query-threads":
                    options.queryThreads = (int)parseCount(arg, value(args, ++i, arg), 1, MAX_QUERY_THREADS);
                    break;
                case "--queries-per-second":
                    options.queriesPerSecond = parseCount(arg, value(args, ++i, arg), 1, 1_000_000_000L);
                    break;
                case "--guard-limit":
                    options.guardLimit = PropertyValues.parseSize(arg, value(args, ++i, arg));
                    break;
                case "--capture-duration":
                    options.captureDuration = parseCaptureDuration(arg, value(args, ++i, arg));
                    break;
                case "--arming-delay":
                    options.armingDelay = parseTime(arg, value(args, ++i, arg), Duration.ZERO, MAX_ARMING_DELAY);
                    break;
                case "--out":
                    options.out = Path.of(value(args, ++i, arg));
                    break;
                case "--seed":
                    options.seed = parseSeed(arg, value(args, ++i, arg));
                    break;
                case "--help":
                case "-h":
                    options.help = true;
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        final long interval = options.queryIntervalNanos();
        if (interval < MIN_QUERY_INTERVAL_NANOS)
        {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--queries-per-second %,d with " +
                "--query-threads %d schedules each thread every %d ns; the most is one query a microsecond per " +
                "thread: at most %,d queries per second, or more threads", options.queriesPerSecond,
                options.queryThreads, interval, options.queryThreads * (1_000_000_000L / MIN_QUERY_INTERVAL_NANOS)));
        }
        return options;
    }

    /**
     * @return the guard's single-allocation limit: {@code --guard-limit}, or by default 4 bytes per slot of the
     * table {@code java.util.HashMap} doubles to last at this scale (64 MiB for 2^24 slots at the default 6,291,457
     * entries, 512 MiB for 2^27 at 58,720,257). HashMap's new table is that plus a 16-byte header, so its last
     * doubling crosses the limit; fastutil's last doubling allocates four times as much, and its two before it
     * twice and as much, so the guard warns before those three.
     */
    long guardLimit()
    {
        return guardLimit != null ? guardLimit : 4 * HeapBudget.doublingSlots(entries);
    }

    /** @return nanoseconds between two queries of one query thread. */
    long queryIntervalNanos()
    {
        return queryThreads * 1_000_000_000L / queriesPerSecond;
    }

    /**
     * @return each trap capture's window: {@code --capture-duration}, or by default long enough for the resize
     * freezes this scale makes plus the arming delay. HashMap's last doubling at the default 6,291,457 keys froze
     * queries for about 1.5 s on the reference machine, and it grows with the entries it rehashes: 0.5 s + 2.5 s
     * per 6,291,457 entries, at least 3 s (24 s at 58,720,257).
     */
    Duration captureDuration()
    {
        if (captureDuration != null)
        {
            return captureDuration;
        }
        final double seconds = 0.5 + 2.5 * entries / (double)DEFAULT_ENTRIES;
        return Duration.ofSeconds(Math.max(DEFAULT_CAPTURE_DURATION.toSeconds(), (long)Math.ceil(seconds)));
    }

    /** @return keys each map kind is warmed up with before its measured phase. */
    int warmupEntries()
    {
        return (int)Math.min(entries, 1_000_000L);
    }

    private static String value(final String[] args, final int index, final String name)
    {
        if (index >= args.length || args[index].startsWith("--"))
        {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[index];
    }

    private static long parseCount(final String name, final String value, final long min, final long max)
    {
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.trim().replace("_", "").replace(",", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s '%s' is not a whole number; " +
                "accepted: %,d to %,d", name, value, min, max), ex);
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s %s is out of range; accepted: %,d " +
                "to %,d", name, value, min, max));
        }
        return parsed;
    }

    private static long parseSeed(final String name, final String value)
    {
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " '" + value + "' is not a whole number (a 64-bit seed)", ex);
        }
    }

    private static List<FeedIndex.Kind> parseMaps(final String value)
    {
        final List<FeedIndex.Kind> maps = new ArrayList<>();
        for (final String id : value.split(","))
        {
            final FeedIndex.Kind kind = FeedIndex.Kind.parse(id);
            if (maps.contains(kind))
            {
                throw new IllegalArgumentException("--maps lists '" + kind.id + "' twice");
            }
            maps.add(kind);
        }
        return List.copyOf(maps);
    }

    private static Duration parseTime(final String name, final String value, final Duration min, final Duration max)
    {
        final Duration parsed = PropertyValues.parseDuration(name, value);
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0)
        {
            throw new IllegalArgumentException(name + " " + value + " is out of range; accepted: " +
                min.toMillis() + "ms to " + max.toSeconds() + "s");
        }
        return parsed;
    }

    private static Duration parseCaptureDuration(final String name, final String value)
    {
        final Duration parsed = parseTime(name, value, Duration.ofSeconds(1), MAX_CAPTURE_DURATION);
        if (parsed.toMillis() % 1000 != 0)
        {
            throw new IllegalArgumentException(name + " " + value + " is not whole seconds (offcputime takes " +
                "seconds); accepted: 1s to 600s in whole seconds, e.g. 5s");
        }
        return parsed;
    }
}
