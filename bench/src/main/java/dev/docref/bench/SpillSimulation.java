package dev.docref.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.docref.core.PresizedDocRefMap;
import dev.docref.core.SegmentSizing;

/**
 * How far the entries of one segment spill past its home slots, and how often past its tail: fills a segment's home
 * slots with uniformly random mixed keys, many times, and reports per configuration (keys, home slots, tail) the
 * fills that spilled past the tail, that rate with its Wilson 95% interval, {@code PresizedDocRefMap.spillChance}'s
 * bound beside it, and the distribution of each fill's longest spill: how many slots past the last home slot its
 * last entry sits (0 when every entry stays in the home slots).
 * <p>
 * A segment keeps its entries in Robin Hood order with no wrap-around: sorted by home slot, each entry at its home or
 * right after the entry before it, whichever is later. So a fill's layout depends only on how many keys each home
 * slot received, and the simulation counts them ({@link #lastPosition}) instead of moving entries: 20-45 us per
 * fill of 7,612 keys. A fill spills past the tail exactly when its longest spill exceeds the tail: the real segment
 * then refuses an insert and the map splits it (a set of keys whose sorted layout fits fits whatever the order of
 * inserts, as each subset's positions are at most the whole set's). {@code SpillSimulationTest} checks this model
 * against a real {@code Segment} filled with the same keys. Home slots, tails, fill limits and the bound are core's
 * own, through {@link SegmentSizing}.
 * <p>
 * Run it (the committed 10^7 fills per configuration took 7 minutes on 2 threads of a 2-vCPU machine shared with
 * builds; not a timing measurement):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.SpillSimulation --trials 10000000 --seed 20261201 \
 *       --out bench/results/2026-12-01-spill-simulation.md
 * </pre>
 * With no {@code --keys}, it runs the default 128 KiB segment (8,120 home slots) at its fill limit (7,105 keys) and
 * at the pre-sized limit (15/16, 7,612 keys), and 56 keys in 64 home slots, each with its real tail. The results do
 * not depend on {@code --threads}: the fills are dealt out in blocks of {@value #BLOCK_TRIALS}, each drawing from its
 * own generator split in order from the seed, and every configuration starts from the same seed.
 * <p>
 * Thread-safety: the class is stateless; {@link #run} uses its own threads and returns once they have ended.
 * Allocates only heap arrays.
 */
public final class SpillSimulation
{
    /** Fills per block: the unit dealt to a thread, and of the results' independence of the thread count. */
    static final int BLOCK_TRIALS = 10_000;
    /** The most fills per configuration: 10^5 blocks, each with its generator. */
    static final long MAX_TRIALS = 1_000_000_000L;
    /** The standard normal quantile for a two-sided 95% interval. */
    static final double Z_95 = 1.959963984540054;
    /** Quantiles of the longest spill, in parts per million: median, p99, p99.9, p99.99. */
    static final int[] QUANTILES_PPM = {500_000, 990_000, 999_000, 999_900};
    static final int MAX_THREADS = 256;
    static final long DEFAULT_SEED = 20261201L;
    static final long DEFAULT_TRIALS = 1_000_000L;

    static final String USAGE = String.join("\n",
        "Usage: java -cp bench/target/benchmarks.jar dev.docref.bench.SpillSimulation [options]",
        "  --keys LIST        keys per fill, one configuration each, each below its home slots",
        "                     (default: a default segment's fill limit and its 15/16 limit, and 56: 7105,7612,56)",
        "  --home-slots LIST  home slots, one for all --keys or one per --keys value, 2 to the largest segment's",
        "                     (default 8120,8120,64; 8,120 is a default 128 KiB segment's)",
        "  --tail LIST|real   tail slots past the home slots, one for all or one per --keys value, 0 to the home",
        "                     slots; 'real' is each segment's own, an eighth of its home slots, 8 to 64 (default)",
        "  --trials N         fills per configuration, 1 to 1000000000 (default 1000000)",
        "  --seed S           seed of the fills' keys (default 20261201)",
        "  --threads N        threads to fill with, 1 to " + MAX_THREADS + "; the results do not depend on it",
        "                     (default: the CPUs, " + Runtime.getRuntime().availableProcessors() + " here)",
        "  --out FILE         also write the report to FILE");

    private SpillSimulation()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final Options options = CommandLine.parseOrExit(args, USAGE, Options::parse);
        final long start = System.nanoTime();
        final List<Result> results = new ArrayList<>();
        for (final Config config : options.configs)
        {
            results.add(run(config, options.trials, options.seed, options.threads));
        }
        final String report = report(options, results, (System.nanoTime() - start) / 1e9);
        System.out.print(report);
        if (options.out != null)
        {
            CommandLine.write(options.out, report);
        }
    }

    /** One segment to fill: {@code keys} random keys over {@code homeSlots} home slots and a tail of {@code tail}. */
    record Config(int keys, int homeSlots, int tail)
    {
        /** Whether the tail is the one docref gives a segment of these home slots, so that the bound applies. */
        boolean realTail()
        {
            return tail == SegmentSizing.tail(homeSlots);
        }
    }

    /**
     * The fills of one configuration.
     *
     * @param histogram fills by their longest spill: {@code histogram[s]} fills whose last entry sat {@code s} slots
     *                  past the last home slot.
     */
    record Result(Config config, long trials, long[] histogram)
    {
        /** Fills whose longest spill exceeded the tail: the real segment refused an insert and would split. */
        long spilled()
        {
            long spilled = 0;
            for (int s = config.tail + 1; s < histogram.length; s++)
            {
                spilled += histogram[s];
            }
            return spilled;
        }

        /** {@code spillChance}'s bound for these keys and home slots, or NaN when the tail is not the real one. */
        double bound()
        {
            return config.realTail() ? SegmentSizing.spillChance(config.homeSlots, config.keys) : Double.NaN;
        }
    }

    /**
     * Fill {@code config}'s segment {@code trials} times on {@code threads} threads. The result depends only on the
     * configuration, the trials and the seed.
     */
    static Result run(final Config config, final long trials, final long seed, final int threads)
        throws InterruptedException
    {
        final int blocks = (int)((trials + BLOCK_TRIALS - 1) / BLOCK_TRIALS);
        final SplittableRandom root = new SplittableRandom(seed);
        final SplittableRandom[] randoms = new SplittableRandom[blocks];
        for (int b = 0; b < blocks; b++)
        {
            randoms[b] = root.split();
        }
        final AtomicInteger nextBlock = new AtomicInteger();
        final ExecutorService pool = Executors.newFixedThreadPool(threads, task ->
        {
            final Thread thread = new Thread(task, "spill-simulation");
            thread.setDaemon(true);
            return thread;
        });
        try
        {
            final List<Future<long[]>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                parts.add(pool.submit(() ->
                {
                    final int[] counts = new int[config.homeSlots];
                    final long[] histogram = new long[config.keys + 1];
                    final Thread self = Thread.currentThread();
                    for (int b = nextBlock.getAndIncrement(); b < blocks; b = nextBlock.getAndIncrement())
                    {
                        final long fills = Math.min(BLOCK_TRIALS, trials - (long)b * BLOCK_TRIALS);
                        // Interrupted when the run fails or is interrupted: the histogram is then discarded.
                        for (long i = 0; i < fills && !self.isInterrupted(); i++)
                        {
                            histogram[spill(lastPosition(randoms[b], config.keys, config.homeSlots, counts),
                                config.homeSlots)]++;
                        }
                    }
                    return histogram;
                }));
            }
            final long[] histogram = new long[config.keys + 1];
            for (final Future<long[]> part : parts)
            {
                final long[] counted = part.get();
                for (int s = 0; s < histogram.length; s++)
                {
                    histogram[s] += counted[s];
                }
            }
            return new Result(config, trials, histogram);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("a fill of " + config + " failed", ex.getCause());
        }
        finally
        {
            pool.shutdownNow();
            // Each thread stops within one fill of being interrupted: milliseconds even for the largest segment.
            if (!pool.awaitTermination(1, TimeUnit.MINUTES))
            {
                throw new IllegalStateException("the fill threads of " + config + " did not end within a minute");
            }
        }
    }

    /**
     * One fill: {@code keys} mixed keys drawn from {@code random}, one {@code nextLong()} each, homed by
     * {@code Segment.home} and laid out in Robin Hood order with no wrap-around.
     *
     * @param counts all zero, {@code homeSlots} long; all zero again on return.
     * @return the slot of the last entry: the last home slot's index plus the longest spill, or less.
     */
    static int lastPosition(final SplittableRandom random, final int keys, final int homeSlots, final int[] counts)
    {
        for (int i = 0; i < keys; i++)
        {
            counts[SegmentSizing.home(random.nextLong(), homeSlots)]++;
        }
        // end: the first slot after the entries homed so far. A home's entries start at the later of their home and
        // end. Branch-free, as empty homes come at random: a home with no keys gives max(end, 0) + 0, end itself.
        int end = 0;
        for (int home = 0; home < homeSlots; home++)
        {
            final int count = counts[home];
            counts[home] = 0;
            end = Math.max(end, home * ((count | -count) >>> 31)) + count;
        }
        return end - 1;
    }

    /** Slots past the last home slot that the entry at {@code lastPosition} sits, 0 if it is a home slot. */
    static int spill(final int lastPosition, final int homeSlots)
    {
        return Math.max(0, lastPosition - (homeSlots - 1));
    }

    /**
     * The Wilson score interval at 95% for {@code successes} in {@code trials}: the chances {@code p} for which the
     * observed rate lies within {@link #Z_95} standard errors, {@code (rate - p)^2 <= z^2 p (1 - p) / trials}. Unlike
     * the normal approximation it stays inside [0, 1] and gives a width at 0 successes (the upper end is then
     * {@code z^2 / (trials + z^2)}, about 3.84 / trials).
     *
     * @return {@code {low, high}}.
     */
    static double[] wilson(final long successes, final long trials)
    {
        if (trials < 1 || successes < 0 || successes > trials)
        {
            throw new IllegalArgumentException(successes + " successes in " + trials + " trials: need 0 <= " +
                "successes <= trials and trials >= 1");
        }
        final double n = trials;
        final double rate = successes / n;
        final double z2 = Z_95 * Z_95;
        final double centre = (rate + z2 / (2 * n)) / (1 + z2 / n);
        final double half = Z_95 * Math.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return new double[] {successes == 0 ? 0 : centre - half, successes == trials ? 1 : centre + half};
    }

    /**
     * The nearest-rank quantile of a histogram: the least value {@code v} with at least {@code ppm / 10^6} of the
     * counts at or below it.
     */
    static int quantile(final long[] histogram, final int ppm)
    {
        long total = 0;
        for (final long count : histogram)
        {
            total += count;
        }
        // Exact in longs: total * ppm stays below 2^63 for every total under 9 * 10^12.
        final long rank = Math.max(1, (total * ppm + 999_999) / 1_000_000);
        long seen = 0;
        for (int value = 0; value < histogram.length; value++)
        {
            seen += histogram[value];
            if (seen >= rank)
            {
                return value;
            }
        }
        throw new IllegalArgumentException("an empty histogram has no quantile");
    }

    /** The largest value with a count at or below {@code atMost}, or -1 if none. */
    static int maxAtMost(final long[] histogram, final int atMost)
    {
        for (int value = Math.min(atMost, histogram.length - 1); value >= 0; value--)
        {
            if (histogram[value] != 0)
            {
                return value;
            }
        }
        return -1;
    }

    /** What a configuration is in docref's terms, from core's own sizing, or "" if nothing docref builds. */
    static String describe(final Config config)
    {
        final double loadFactor = PresizedDocRefMap.DEFAULT_LOAD_FACTOR;
        final String fill = config.keys == SegmentSizing.fillLimit(config.homeSlots, loadFactor) ?
            " at its fill limit" : config.keys == SegmentSizing.presizedFillLimit(config.homeSlots, loadFactor) ?
            " at the pre-sized fill limit" : null;
        final String tail = config.realTail() ? "" : String.format(Locale.ROOT, "tail %d, not its real %d",
            config.tail, SegmentSizing.tail(config.homeSlots));
        if (fill == null)
        {
            return tail;
        }
        final int defaultSlots = SegmentSizing.capacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        final String segment = config.homeSlots == defaultSlots ? "default segment" :
            String.format(Locale.ROOT, "%,d home slots", config.homeSlots);
        return segment + fill + (tail.isEmpty() ? "" : ", " + tail);
    }

    static String report(final Options options, final List<Result> results, final double seconds)
    {
        final StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
            "# Spills past a segment's home slots and tail, simulated, %s%n%n", LocalDate.now(ZoneOffset.UTC)));
        out.append(String.format(Locale.ROOT, "Command: `java -cp bench/target/benchmarks.jar " +
                "dev.docref.bench.SpillSimulation%s` (%.0f s on %d threads; not a timing measurement). Seed %d, the " +
                "same for every configuration, so each row reruns alone with its own `--keys`, `--home-slots` and " +
                "`--tail`.%n%n%s%n%n", options.commandLine.isEmpty() ? "" : " " + options.commandLine, seconds,
            options.threads, options.seed, QuickComparison.machine()));
        out.append("Each fill draws uniformly random 64-bit mixed keys, homes them with `Segment.home` and lays " +
            "them out as a segment does, in Robin Hood order with no wrap-around. Its longest spill is how " +
            "many slots past the last home slot its last entry sits (0 when it is a home slot). A fill " +
            "spills past the tail when its longest spill exceeds the tail: the real segment refuses an " +
            "insert and the map splits it. `SpillSimulationTest` checks the model against a real `Segment` " +
            "filled with the same keys. The rate's interval is the Wilson score interval at 95%; the bound " +
            "is `PresizedDocRefMap.spillChance(home slots, keys)`, given only for the segment's real tail.\n\n");
        out.append("| Keys | Home slots | Tail | Fill | Segment | Fills | Spilled past the tail | Rate | " +
            "Wilson 95% | `spillChance` bound | Bound / rate |\n");
        out.append("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
        for (final Result r : results)
        {
            final Config c = r.config;
            final long spilled = r.spilled();
            final double rate = spilled / (double)r.trials;
            final double[] interval = wilson(spilled, r.trials);
            final double bound = r.bound();
            out.append(String.format(Locale.ROOT,
                "| %,d | %,d | %d | %.4f | %s | %,d | %,d | %s | %s - %s | %s | %s |%n", c.keys, c.homeSlots, c.tail,
                c.keys / (double)c.homeSlots, describe(c), r.trials, spilled,
                scientific(rate), scientific(interval[0]), scientific(interval[1]),
                Double.isNaN(bound) ? "-" : scientific(bound),
                Double.isNaN(bound) || spilled == 0 ? "-" : String.format(Locale.ROOT, "%.0f", bound / rate)));
        }
        out.append("\n## Longest spill per fill\n\nSlots past the last home slot; a fill's longest spill is that of " +
            "its last entry. \"Within the tail\" leaves out the fills that spilled past it.\n\n");
        out.append("| Keys | Home slots | Tail | Mean | Median | p99 | p99.9 | p99.99 | Longest | Longest within the " +
            "tail | Fills with no spill |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Result r : results)
        {
            final Config c = r.config;
            double sum = 0;
            for (int s = 0; s < r.histogram.length; s++)
            {
                sum += (double)s * r.histogram[s];
            }
            out.append(String.format(Locale.ROOT, "| %,d | %,d | %d | %.2f |", c.keys, c.homeSlots, c.tail,
                sum / r.trials));
            for (final int ppm : QUANTILES_PPM)
            {
                out.append(' ').append(quantile(r.histogram, ppm)).append(" |");
            }
            out.append(String.format(Locale.ROOT, " %d | %d | %,d |%n", maxAtMost(r.histogram, r.histogram.length),
                maxAtMost(r.histogram, c.tail), r.histogram[0]));
        }
        return out.toString();
    }

    /** A rate or chance to 3 significant digits, such as {@code 5.12e-5} or {@code 0.0216}; 0 as {@code 0}. */
    static String scientific(final double value)
    {
        if (value == 0)
        {
            return "0";
        }
        if (value >= 1e-3)
        {
            return String.format(Locale.ROOT, "%.3g", value);
        }
        final String formatted = String.format(Locale.ROOT, "%.2e", value);
        final int e = formatted.indexOf('e');
        return formatted.substring(0, e) + "e" + Integer.parseInt(formatted.substring(e + 1));
    }

    static final class Options
    {
        final List<Config> configs = new ArrayList<>();
        long trials = DEFAULT_TRIALS;
        long seed = DEFAULT_SEED;
        int threads = Runtime.getRuntime().availableProcessors();
        Path out;
        String commandLine = "";

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            options.commandLine = String.join(" ", args);
            final int defaultSlots = SegmentSizing.capacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
            final double loadFactor = PresizedDocRefMap.DEFAULT_LOAD_FACTOR;
            long[] keys = {SegmentSizing.fillLimit(defaultSlots, loadFactor),
                SegmentSizing.presizedFillLimit(defaultSlots, loadFactor), 56};
            long[] homeSlots = {defaultSlots, defaultSlots, 64};
            long[] tails = null;
            boolean keysGiven = false;
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                // Each case reads its value, so that an unknown last argument is named as unknown.
                switch (arg)
                {
                    case "--keys":
                        keys = list(arg, CommandLine.value(args, ++i, arg));
                        keysGiven = true;
                        break;
                    case "--home-slots":
                        homeSlots = list(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--tail":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        tails = "real".equals(value) ? null : list(arg, value);
                        break;
                    }
                    case "--trials":
                        // 10^6 fills give a rate of 5e-5 to about +-30%; more seeds give more than the limit.
                        options.trials = ScaleHarness.Options.count(arg, CommandLine.value(args, ++i, arg), 1,
                            MAX_TRIALS, "e.g. --trials 1000000, and run more seeds for more");
                        break;
                    case "--seed":
                        options.seed =
                            ScaleHarness.Options.count(arg, CommandLine.value(args, ++i, arg), Long.MIN_VALUE);
                        break;
                    case "--threads":
                        options.threads = (int)ScaleHarness.Options.count(arg, CommandLine.value(args, ++i, arg), 1,
                            MAX_THREADS, "e.g. " + Runtime.getRuntime().availableProcessors() +
                            ", this machine's CPUs");
                        break;
                    case "--out":
                        options.out = CommandLine.outputFile(arg, CommandLine.value(args, ++i, arg));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            if (!keysGiven && homeSlots.length != keys.length)
            {
                throw new IllegalArgumentException("--home-slots " + join(homeSlots) + " needs --keys: the default " +
                    "keys " + join(keys) + " go with the default home slots; give --keys, e.g. --keys 7612");
            }
            final int maxSlots = SegmentSizing.capacityFor(PresizedDocRefMap.MAX_SEGMENT_BYTES);
            for (int i = 0; i < keys.length; i++)
            {
                final long slots = perKey("--home-slots", homeSlots, i, keys.length);
                if (slots < 2 || slots > maxSlots)
                {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "--home-slots must be from 2 to " +
                        "%,d (the largest segment's, 64 MiB) but was %d; e.g. %d, a default 128 KiB segment's",
                        maxSlots, slots, defaultSlots));
                }
                if (keys[i] < 1 || keys[i] >= slots)
                {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "--keys %d for %,d home slots is " +
                        "outside 1 to %,d: a segment holds fewer entries than home slots; give fewer keys or more " +
                        "--home-slots, e.g. --keys %d (15/16 of %,d)", keys[i], slots, slots - 1,
                        SegmentSizing.presizedFillLimit((int)slots, loadFactor), slots));
                }
                final long tail = tails == null ? SegmentSizing.tail((int)slots) : perKey("--tail", tails, i,
                    keys.length);
                if (tail < 0 || tail > slots)
                {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "--tail must be from 0 to the " +
                        "home slots, %,d, but was %d; e.g. --tail real, the segment's own (%d)", slots, tail,
                        SegmentSizing.tail((int)slots)));
                }
                options.configs.add(new Config((int)keys[i], (int)slots, (int)tail));
            }
            return options;
        }

        /** The {@code index}th of {@code keys} values, from a list of one value for all or one per key. */
        private static long perKey(final String name, final long[] values, final int index, final int keys)
        {
            if (values.length == 1)
            {
                return values[0];
            }
            if (values.length != keys)
            {
                throw new IllegalArgumentException(name + " has " + values.length + " values (" + join(values) +
                    ") for " + keys + " --keys values; give one value for all, or one per --keys value");
            }
            return values[index];
        }

        /** Comma-separated whole numbers; bounds are checked per configuration. */
        private static long[] list(final String name, final String value)
        {
            final String[] parts = value.split(",", -1);
            final long[] values = new long[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                try
                {
                    values[i] = Long.parseLong(parts[i].trim().replace("_", ""));
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException(name + " must be comma-separated whole numbers, e.g. " +
                        "7105,7612,56, but had '" + parts[i].trim() + "' in '" + value + "'");
                }
            }
            return values;
        }

        private static String join(final long[] values)
        {
            final StringBuilder joined = new StringBuilder();
            for (final long value : values)
            {
                joined.append(joined.length() == 0 ? "" : ",").append(value);
            }
            return joined.toString();
        }
    }
}
