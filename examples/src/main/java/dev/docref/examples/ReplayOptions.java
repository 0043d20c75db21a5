package dev.docref.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
    /**
     * Every option, in the usage's order, with the name the usage gives its value ({@code ""}: it takes none), for
     * the error messages. {@code -h} is {@code --help}.
     */
    static final Map<String, String> OPTIONS = options("--entries", "N", "--maps", "LIST", "--query-threads", "N",
        "--queries-per-second", "N", "--guard-limit", "SIZE", "--capture-duration", "TIME", "--arming-delay", "TIME",
        "--out", "DIR", "--seed", "N", "--help", "");

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
        "A value follows its option, or an = does: --entries 5000 or --entries=5000. Sizes: 64MiB, 512k, 1g, or",
        "bytes. Times: 500ms, 5s, 1m.");

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
    /** The command line as given, for advice that repeats it. */
    List<String> args = List.of();

    /**
     * Parses the command line. Each option that takes a value accepts it as the next argument or after an
     * {@code =}: {@code --entries 5000} and {@code --entries=5000} are the same.
     *
     * @param args the command line.
     * @return the options.
     * @throws IllegalArgumentException naming the option, the value, what is accepted and what to write instead.
     */
    static ReplayOptions parse(final String[] args)
    {
        final ReplayOptions options = new ReplayOptions();
        options.args = List.of(args);
        final Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            final int equals = arg.startsWith("--") ? arg.indexOf('=') : -1;
            final String name = "-h".equals(arg) ? "--help" : equals > 0 ? arg.substring(0, equals) : arg;
            if (!OPTIONS.containsKey(name))
            {
                throw new IllegalArgumentException(unknown(arg));
            }
            final String metavar = OPTIONS.get(name);
            final String value;
            if (metavar.isEmpty())
            {
                if (equals > 0)
                {
                    throw new IllegalArgumentException("'" + arg + "': " + name + " takes no value; write " + name +
                        " alone");
                }
                value = "";
            }
            else if (equals > 0)
            {
                value = arg.substring(equals + 1);
                if (value.isEmpty())
                {
                    throw new IllegalArgumentException("'" + arg + "' gives " + name + " an empty value; write " +
                        name + " " + metavar + " or " + name + "=" + metavar);
                }
            }
            else
            {
                value = value(args, ++i, name, metavar);
            }
            final String earlier = seen.putIfAbsent(name, value);
            if (earlier != null)
            {
                throw new IllegalArgumentException(name + " is given twice" + (metavar.isEmpty() ? "" : " ('" +
                    earlier + "', then '" + value + "')") + "; give it once");
            }
            switch (name)
            {
                case "--entries":
                    options.entries = parseCount(name, value, MIN_ENTRIES, MAX_ENTRIES);
                    break;
                case "--maps":
                    options.maps = parseMaps(value);
                    break;
                case "--query-threads":
                    options.queryThreads = (int)parseCount(name, value, 1, MAX_QUERY_THREADS);
                    break;
                case "--queries-per-second":
                    options.queriesPerSecond = parseCount(name, value, 1, 1_000_000_000L);
                    break;
                case "--guard-limit":
                    options.guardLimit = parseSize(name, value);
                    break;
                case "--capture-duration":
                    options.captureDuration = parseCaptureDuration(name, value);
                    break;
                case "--arming-delay":
                    options.armingDelay = parseTime(name, value, Duration.ZERO, MAX_ARMING_DELAY);
                    break;
                case "--out":
                    options.out = DirectoryArgument.parse(name, value, "the demo writes its report and captures",
                        "e.g. " + name + " " + DEFAULT_OUT);
                    break;
                case "--seed":
                    options.seed = parseSeed(name, value);
                    break;
                case "--help":
                    options.help = true;
                    break;
                default:
                    throw new AssertionError("option " + name + " is in OPTIONS but not parsed");
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
     * doubling crosses the limit. fastutil's doublings allocate two arrays, keys and values, of 8 bytes per slot plus
     * 24 (a header and one extra slot), and {@code checkResize} counts each doubling whole, both arrays together:
     * its last three cross the limit, allocating four times, twice and once the limit, each plus 48 bytes, so the
     * guard warns before those three (the third's arrays, half the limit and 24 bytes each, are under it alone).
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

    private static Map<String, String> options(final String... nameThenValue)
    {
        final Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < nameThenValue.length; i += 2)
        {
            options.put(nameThenValue[i], nameThenValue[i + 1]);
        }
        return Collections.unmodifiableMap(options);
    }

    /** @return keys each map kind is warmed up with before its measured phase. */
    int warmupEntries()
    {
        return (int)Math.min(entries, 1_000_000L);
    }

    private static String value(final String[] args, final int index, final String name, final String metavar)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(name + " needs a value and is the last argument; write " + name + " " +
                metavar + " or " + name + "=" + metavar);
        }
        if (args[index].startsWith("--"))
        {
            throw new IllegalArgumentException(name + " needs a value, but the next argument is '" + args[index] +
                "'; write " + name + " " + metavar + " or " + name + "=" + metavar);
        }
        return args[index];
    }

    /** @return why {@code arg} is not an option, and what was probably meant. */
    private static String unknown(final String arg)
    {
        if (arg.startsWith("--"))
        {
            return "unknown argument '" + arg + "'; the options are " + String.join(", ", OPTIONS.keySet());
        }
        final String named = "-" + (arg.indexOf('=') > 0 ? arg.substring(0, arg.indexOf('=')) : arg);
        if (arg.startsWith("-") && OPTIONS.containsKey(named))
        {
            return "unknown argument '" + arg + "'; options start with two dashes: " + named;
        }
        return "unknown argument '" + arg + "': a value goes right after its option, as in --entries 5000 or " +
            "--entries=5000; the options are " + String.join(", ", OPTIONS.keySet());
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
            throw new IllegalArgumentException(name + " '" + value + "' is not a whole number; accepted: any " +
                "64-bit whole number, " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ", e.g. " + name + " 20261129",
                ex);
        }
    }

    private static List<FeedIndex.Kind> parseMaps(final String value)
    {
        final List<FeedIndex.Kind> maps = new ArrayList<>();
        // -1 keeps trailing empty names, so that "docref," is refused as ",docref" is.
        for (final String id : value.split(",", -1))
        {
            if (id.isBlank())
            {
                throw new IllegalArgumentException("--maps '" + value + "' has an empty name; write the names " +
                    "separated by single commas, e.g. --maps hashmap,fastutil,docref");
            }
            final FeedIndex.Kind kind = FeedIndex.Kind.parse(id);
            if (maps.contains(kind))
            {
                throw new IllegalArgumentException("--maps '" + value + "' lists '" + kind.id + "' twice; list each " +
                    "map once");
            }
            maps.add(kind);
        }
        return List.copyOf(maps);
    }

    private static Duration parseTime(final String name, final String value, final Duration min, final Duration max)
    {
        final Duration parsed;
        try
        {
            parsed = PropertyValues.parseDuration(name, value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw asOption(name, value, ex);
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0)
        {
            throw new IllegalArgumentException(name + " " + value + " is out of range; accepted: " +
                formatTime(min) + " to " + formatTime(max));
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

    private static long parseSize(final String name, final String value)
    {
        try
        {
            return PropertyValues.parseSize(name, value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw asOption(name, value, ex);
        }
    }

    /**
     * A parse error of {@link PropertyValues}, which names a system property ({@code name = "value"}), reworded for
     * the command line ({@code name 'value'}); its reason and accepted forms are kept.
     */
    private static IllegalArgumentException asOption(
        final String name, final String value, final IllegalArgumentException ex)
    {
        final String property = name + " = \"" + value + "\"";
        final String message = ex.getMessage();
        return new IllegalArgumentException(message.startsWith(property) ?
            name + " '" + value + "'" + message.substring(property.length()) : message, ex);
    }

    /** @return a limit as the usage writes it: {@code 10s}, {@code 600s}, {@code 500ms}. */
    private static String formatTime(final Duration time)
    {
        return time.toMillis() % 1000 == 0 ? time.toSeconds() + "s" : time.toMillis() + "ms";
    }
}
