package dev.docref.bench;

import java.util.Arrays;
import java.util.Locale;

import dev.docref.core.PresizedDocRefMap;

/**
 * What one put costs as a pre-sized map fills: fills a map pre-sized for {@code --entries} keys from empty, several
 * times ({@code clear()} between fills), and prints the average time per put over each tenth of the fill, the median
 * over the measured fills. {@link PutPresizedBenchmark} gives the average over a whole fill; this shows where in the
 * fill the time goes (for an open-addressing table, an insert gets dearer as the table fills).
 * <p>
 * One map per run, so that its call sites stay monomorphic, as in the JMH benchmarks; the first fill warms up and is
 * not counted. Run it with bounds checks off, as the benchmarks do:
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -Ddocref.disable.bounds.checks=true -Xmx4g -cp bench/target/benchmarks.jar dev.docref.bench.FillProfile \
 *       --map presized_st --entries 10000000
 *   java -Xmx4g -cp bench/target/benchmarks.jar dev.docref.bench.FillProfile --map fastutil --entries 10000000
 * </pre>
 */
public final class FillProfile
{
    static final String USAGE = String.join("\n",
        "Usage: java -Ddocref.disable.bounds.checks=true -cp bench/target/benchmarks.jar " +
            "dev.docref.bench.FillProfile [options]",
        "  --map KIND         the map, one of " + LongMap.Kind.ids(", ") + " (default presized)",
        "  --entries N        keys per fill, and the map's pre-sized capacity (default 10000000)",
        "  --fills N          measured fills, after one warm-up fill (default 4)",
        "  --load-factor F    the map's load factor, strictly between 0 and 1, or 'default' for the map's own",
        "                     (default; eclipse takes none)");

    private FillProfile()
    {
    }

    public static void main(final String[] args)
    {
        final Options options = CommandLine.parseOrExit(args, USAGE, Options::parse);
        final long[] keys = Keys.shuffled(Keys.distinct(options.entries, Keys.KEY_SEED), Keys.SHUFFLE_SEED);
        try (LongMap map = options.map.create(options.entries, MapBenchmark.parseLoadFactor(options.loadFactor), 0))
        {
            final double[][] fills = new double[options.fills][];
            profile(map, keys, 10);
            for (int i = 0; i < options.fills; i++)
            {
                map.clear();
                fills[i] = profile(map, keys, 10);
            }
            System.out.print(table(options, fills));
        }
    }

    /**
     * Fill the empty {@code map} with {@code keys[i] -> i} and check it.
     *
     * @return the average nanoseconds per put over each of {@code parts} equal parts of the fill, in order.
     */
    static double[] profile(final LongMap map, final long[] keys, final int parts)
    {
        if (map.size() != 0)
        {
            throw new IllegalStateException("the map must be empty but holds " + map.size() + " entries");
        }
        final double[] nanosPerPut = new double[parts];
        for (int part = 0; part < parts; part++)
        {
            final int from = (int)((long)keys.length * part / parts);
            final int to = (int)((long)keys.length * (part + 1) / parts);
            final long start = System.nanoTime();
            for (int i = from; i < to; i++)
            {
                map.set(keys[i], i);
            }
            nanosPerPut[part] = (System.nanoTime() - start) / (double)Math.max(1, to - from);
        }
        Keys.verifyFilled(map, keys);
        return nanosPerPut;
    }

    /** One row per tenth: its entries and each measured fill's ns per put, then the median. */
    static String table(final Options options, final double[][] fills)
    {
        // The benchmarks' forks turn docref's bounds checks off; this runs in the JVM it is started in, so say.
        final String checks = options.map.title.startsWith("docref") ? "true".equals(
            System.getProperty(PresizedDocRefMap.DISABLE_BOUNDS_CHECKS_PROP_NAME)) ? ", bounds checks off" :
            ", bounds checks ON (add -D" + PresizedDocRefMap.DISABLE_BOUNDS_CHECKS_PROP_NAME + "=true)" : "";
        final StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
            "%s pre-sized for %,d entries (load factor %s%s): ns per put over each tenth of a fill, %d fills after " +
                "a warm-up fill%n%n| Entries already in the map | median |", options.map.title, options.entries,
            options.loadFactor, checks, fills.length));
        for (int i = 0; i < fills.length; i++)
        {
            out.append(" fill ").append(i + 1).append(" |");
        }
        out.append('\n').append("|---|---:|").append("---:|".repeat(fills.length)).append('\n');
        final int parts = fills[0].length;
        for (int part = 0; part < parts; part++)
        {
            final double[] column = new double[fills.length];
            for (int i = 0; i < fills.length; i++)
            {
                column[i] = fills[i][part];
            }
            out.append(String.format(Locale.ROOT, "| %d%%-%d%% | %s |", 100 * part / parts, 100 * (part + 1) / parts,
                QuickComparison.number(median(column))));
            for (final double value : column)
            {
                out.append(' ').append(QuickComparison.number(value)).append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static final class Options
    {
        LongMap.Kind map = LongMap.Kind.PRESIZED;
        int entries = 10_000_000;
        int fills = 4;
        String loadFactor = "default";

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                // Each case reads its value, so that an unknown last argument is named as unknown.
                switch (arg)
                {
                    case "--map":
                        options.map = LongMap.Kind.parse(CommandLine.value(args, ++i, arg));
                        break;
                    case "--entries":
                        options.entries = QuickComparison.Options.atLeast(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--fills":
                        options.fills = QuickComparison.Options.atLeast(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--load-factor":
                        options.loadFactor = CommandLine.value(args, ++i, arg);
                        MapBenchmark.parseLoadFactor(options.loadFactor, arg, "--load-factor 0.875");
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            if (!options.map.takesLoadFactor() && !"default".equals(options.loadFactor))
            {
                throw new IllegalArgumentException("--load-factor " + options.loadFactor + " cannot apply to --map " +
                    options.map.id() + ": " + options.map.title + " takes no load factor; leave --load-factor at " +
                    "default, or pick another --map");
            }
            return options;
        }
    }
}
