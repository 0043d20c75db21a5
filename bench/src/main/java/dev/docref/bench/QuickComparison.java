package dev.docref.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import dev.docref.core.PresizedDocRefMap;
import dev.docref.core.SegmentSizing;
import it.unimi.dsi.fastutil.HashCommon;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The quick comparison: every JMH map benchmark, for every map, at small sizes with short iterations and
 * {@code -prof gc}, in a few minutes; writes the tables to {@code bench/results/<date>.md} (or {@code <date>-2.md}
 * and so on, if that day's file exists) and into the marked blocks of {@code src/site/markdown/benchmarks.md} and
 * {@code README.md}. Each block is rewritten only by a run that measures all it shows (every benchmark, the same-memory
 * table, and every map for the site's, {@link #HEADLINE_MAPS} for README's): any other run leaves it as it was and
 * says so in one line on stdout. A run that would measure nothing is refused before anything runs. A results file
 * without docref, or without both of its peers, says in one line where the headline table would be why it has none.
 * Each block links the results file relative to its own file, wherever {@code --out} put it; an {@code --out} outside
 * the repository is refused when a block would be rewritten.
 * <p>
 * Defaults: 1 fork per map and benchmark, 3 warm-up and 5 measured iterations of 500 ms, 1M entries (get hit, get
 * miss and reader scaling also at 10M), forks with {@code -Xms4g -Xmx4g}; a {@code --heap} below what the hungriest
 * fork must hold at once (its map and key arrays, {@link #FORK_HEAPS}) is refused before anything runs. The
 * headline sets docref (thread-safe) against fastutil and against the single-threaded docref;
 * {@link ReaderScalingBenchmark} runs for the maps of
 * {@link #READER_KINDS} that are selected, and {@code presized_compact} only in {@link PutGrowingBenchmark}: a
 * pre-sized map of it is the default map. Then {@link #SAME_MEMORY_BENCHMARKS} run again at
 * {@link #SAME_MEMORY_SIZE} entries with fastutil at load factor {@value #SAME_MEMORY_LOAD_FACTOR} (and at its default
 * for reference), so that both tables run about 83% full in about 19 bytes per entry: the headline compares each map
 * at its own default, this compares them at the same memory; a {@code --same-memory-size} at which the two maps' bytes
 * per entry are more than 10% apart (1 entry: 512 against 48) is refused. A quick comparison shows the shape, not
 * final figures: quote its medians and ratios, and run the benchmarks' own commands (in each class's header) for more.
 * <p>
 * Run through {@code bench/run-comparison}, which builds first. Not thread-safe; one run at a time.
 */
public final class QuickComparison
{
    /** Marks the block of {@code src/site/markdown/benchmarks.md} this tool rewrites. */
    static final String SITE_START = "<!-- quick-comparison:start -->";
    static final String SITE_END = "<!-- quick-comparison:end -->";
    /** Marks the block of {@code README.md} this tool rewrites. */
    static final String README_START = "<!-- jmh-headline:start -->";
    static final String README_END = "<!-- jmh-headline:end -->";

    private static final String GC_ALLOC_NORM = "gc.alloc.rate.norm";
    private static final String BASELINE = "fastutil";
    private static final String DOCREF = "presized";
    private static final String DOCREF_SINGLE_THREADED = "presized_st";
    /** The reader-scaling benchmark, reported as its own table (throughput by reader count). */
    static final String READER_SCALING = ReaderScalingBenchmark.class.getSimpleName();
    /** The maps {@link ReaderScalingBenchmark} runs, in the order of its {@code kind} parameter. */
    static final List<String> READER_KINDS = List.of(DOCREF, DOCREF_SINGLE_THREADED, BASELINE);
    /**
     * The maps README's headline block shows: docref, thread-safe and single-threaded, and fastutil. A run rewrites
     * that block only if it measures these in every benchmark and at the same memory, as the default run does: the
     * block is the project's summary, and a run of fewer maps or benchmarks would leave it empty ({@code --maps
     * fastutil,hppc}) or quietly shorter ({@code --benchmarks GetHitBenchmark}), and rows of two runs are never
     * mixed.
     */
    static final List<String> HEADLINE_MAPS = List.of(DOCREF, DOCREF_SINGLE_THREADED, BASELINE);
    /**
     * The maps the site's latest-comparison block shows: every one. As README's block, a run rewrites it only if it
     * measures them all in every benchmark and at the same memory; any other run writes only its results file.
     */
    static final List<String> SITE_MAPS = allMaps();

    /**
     * fastutil's load factor in the same-memory comparison. fastutil rounds its table up to a power of two, so
     * pre-sized for 870,000 entries at its default 0.75 it takes 2^21 slots and runs 41% full; at 0.875 it takes 2^20
     * slots and runs 83% full, as docref's segments do at docref's default.
     */
    static final String SAME_MEMORY_LOAD_FACTOR = "0.875";
    /** Entries in the same-memory comparison: 0.83 * 2^20, so fastutil's table at 0.875 runs as full as docref's. */
    static final int SAME_MEMORY_SIZE = 870_000;
    /**
     * How far apart the two maps' bytes per entry may be for a {@code --same-memory-size}: 10%. At 870,000 they are
     * 18.7 and 19.3; at 424 (0.83 * 2^9), the smallest 0.83 * 2^k within it, 20.9 and 19.4.
     */
    static final double SAME_MEMORY_TOLERANCE = 0.10;

    /** The benchmark classes in table order, with the heading each table gets. */
    static final Map<String, String> BENCHMARKS = new LinkedHashMap<>();

    static
    {
        BENCHMARKS.put(GetHitBenchmark.class.getSimpleName(), "Get hit");
        BENCHMARKS.put(GetMissBenchmark.class.getSimpleName(), "Get miss");
        BENCHMARKS.put(PutPresizedBenchmark.class.getSimpleName(), "Put into a pre-sized map");
        BENCHMARKS.put(PutGrowingBenchmark.class.getSimpleName(), "Put while growing from empty");
        BENCHMARKS.put(RemoveBenchmark.class.getSimpleName(), "Remove");
        BENCHMARKS.put(IterateBenchmark.class.getSimpleName(), "Iteration (one full pass)");
    }

    /**
     * A benchmark whose invocation is one whole cycle and whose score is milliseconds per cycle: what the cycle and
     * its operations are called, and how many operations a cycle of {@code size} entries holds ({@code size /
     * divisor}).
     */
    static final class Cycle
    {
        final String name;
        final String op;
        private final int divisor;

        Cycle(final String name, final String op, final int divisor)
        {
            this.name = name;
            this.op = op;
            this.divisor = divisor;
        }

        long ops(final int size)
        {
            return size / divisor;
        }
    }

    /** The cycle benchmarks, by class name: their tables and headline show the time per operation too. */
    static final Map<String, Cycle> CYCLES = Map.of(
        IterateBenchmark.class.getSimpleName(), new Cycle("pass", "entry", 1),
        PutPresizedBenchmark.class.getSimpleName(), new Cycle("fill", "put", 1),
        PutGrowingBenchmark.class.getSimpleName(), new Cycle("growth", "put", 1),
        RemoveBenchmark.class.getSimpleName(), new Cycle("pass", "remove", 2));

    /** The benchmarks that cannot run at every size of at least 1, by class name: their smallest size. */
    static final Map<String, Integer> MIN_SIZES =
        Map.of(RemoveBenchmark.class.getSimpleName(), RemoveBenchmark.MIN_SIZE);

    /** A floor of the heap one fork of a benchmark holds at once, for one map and size. */
    interface ForkHeap
    {
        long minBytes(LongMap.Kind kind, int size);
    }

    /**
     * Each benchmark's {@code minForkHeapBytes}, by class name: the map ({@link LongMap.Kind#minHeapBytes}) and the
     * key arrays its set-up holds with it. A {@code --heap} below the largest is refused before anything runs.
     */
    static final Map<String, ForkHeap> FORK_HEAPS = Map.of(
        GetHitBenchmark.class.getSimpleName(), GetHitBenchmark::minForkHeapBytes,
        GetMissBenchmark.class.getSimpleName(), GetMissBenchmark::minForkHeapBytes,
        PutPresizedBenchmark.class.getSimpleName(), PutPresizedBenchmark::minForkHeapBytes,
        PutGrowingBenchmark.class.getSimpleName(), PutGrowingBenchmark::minForkHeapBytes,
        RemoveBenchmark.class.getSimpleName(), RemoveBenchmark::minForkHeapBytes,
        IterateBenchmark.class.getSimpleName(), IterateBenchmark::minForkHeapBytes,
        READER_SCALING, ReaderScalingBenchmark::minForkHeapBytes);

    /** The benchmarks of the same-memory comparison: a lookup hit, a lookup miss and an insert. */
    static final List<String> SAME_MEMORY_BENCHMARKS = List.of(GetHitBenchmark.class.getSimpleName(),
        GetMissBenchmark.class.getSimpleName(), PutPresizedBenchmark.class.getSimpleName());

    private QuickComparison()
    {
    }

    /** Every map's id, in {@link LongMap.Kind} order. */
    static List<String> allMaps()
    {
        final List<String> all = new ArrayList<>();
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            all.add(kind.id());
        }
        return all;
    }

    /** How the line saying a block was left as it was begins, after the run; {@link #WILL_KEEP} before it. */
    static final String KEPT = "[comparison] kept ";
    static final String WILL_KEEP = "[comparison] will keep ";

    public static void main(final String[] args) throws IOException, RunnerException
    {
        final Options options = CommandLine.parseOrExit(args, Options.USAGE, Options::parse);
        compare(options, QuickComparison::run, () -> LocalDate.now(ZoneOffset.UTC), System.out);
    }

    /** One JMH run of a benchmark class: its rows for these maps, sizes and load factors. */
    interface Measurement
    {
        List<Row> run(String benchmark, List<String> maps, List<Integer> sizes, List<String> loadFactors,
            Options options) throws RunnerException;
    }

    /**
     * Run the comparison through {@code measurement} and write its results file and blocks: {@code main} measures
     * with JMH, tests with rows of their own, so that what gets written can be checked without running a benchmark.
     */
    static void compare(final Options options, final Measurement measurement, final Supplier<LocalDate> utcDate,
        final PrintStream stdout) throws IOException, RunnerException
    {
        // The run's date is the day it started: a run crossing UTC midnight keeps the date it was started on.
        final LocalDate today = utcDate.get();
        // Said before the run as well as after it: a narrow run takes minutes, and whoever started it to refresh the
        // docs should not learn only at its end that it will not.
        final String siteKept = options.site == null ? "" : options.kept(options.site, SITE_START, SITE_MAPS);
        final String readmeKept = options.readme == null ? "" :
            options.kept(options.readme, README_START, HEADLINE_MAPS);
        for (final String kept : List.of(siteKept, readmeKept))
        {
            if (!kept.isEmpty())
            {
                stdout.println(WILL_KEEP + kept.substring(KEPT.length()));
            }
        }
        final long start = System.nanoTime();
        final List<Row> rows = new ArrayList<>();
        for (final String benchmark : options.benchmarks)
        {
            final List<String> maps = options.mapsOf(benchmark);
            if (maps.isEmpty())
            {
                continue;
            }
            rows.addAll(measurement.run(benchmark, maps, options.sizesOf(benchmark), List.of("default"), options));
        }
        final List<Row> sameMemoryRows = new ArrayList<>();
        if (options.runsSameMemory())
        {
            final List<Integer> size = List.of(options.sameMemorySize);
            for (final String benchmark : SAME_MEMORY_BENCHMARKS)
            {
                if (options.benchmarks.contains(benchmark))
                {
                    sameMemoryRows.addAll(measurement.run(benchmark, List.of(DOCREF), size, List.of("default"),
                        options));
                    sameMemoryRows.addAll(measurement.run(benchmark, List.of(BASELINE), size,
                        List.of(SAME_MEMORY_LOAD_FACTOR, "default"), options));
                }
            }
        }
        final double minutes = (System.nanoTime() - start) / 60e9;

        final String sameMemory = sameMemoryRows.isEmpty() ? "" : sameMemory(sameMemoryRows, options.sameMemorySize,
            docrefBytesPerEntry(options.sameMemorySize), fastutilBytesPerEntry(options.sameMemorySize,
                Float.parseFloat(SAME_MEMORY_LOAD_FACTOR)), fastutilBytesPerEntry(options.sameMemorySize,
                Long2LongOpenHashMap.DEFAULT_LOAD_FACTOR));
        final String tables = tables(rows) + readerTables(rows);
        final String headline = headlineOrWhyNone(rows, options) + readerHeadline(rows) + sameMemory;
        final String machine = machine();
        final String settings = settings(options, minutes);

        final String results = "# Quick comparison, " + today + "\n\n" + settings + "\n\n" + machine + "\n\n" +
            "## Headline: docref / fastutil and thread-safe / single-threaded\n\n" + headline + "\n" + tables;
        final Path out = options.out != null ? options.out : unusedResultsFile(Path.of("bench", "results"), today);
        CommandLine.write(out, results);
        stdout.println(results);
        System.err.println("[comparison] wrote " + out);

        if (options.site != null && siteKept.isEmpty())
        {
            final String block = "Latest quick comparison: [`" + out.getFileName() + "`](" + link(options.site, out) +
                "), " + today + ".\n\n" + settings + "\n\n" + machine + "\n\n" +
                "### Headline: docref / fastutil and thread-safe / single-threaded\n\n" + headline + "\n" +
                tables.replace("\n## ", "\n### ");
            rewriteBlock(options.site, SITE_START, SITE_END, block);
            System.err.println("[comparison] updated " + options.site);
        }
        if (options.readme != null && readmeKept.isEmpty())
        {
            // The results file is named in the block, so the link is replaced with the figures it stands for.
            final String block = "JMH quick comparison (`bench/run-comparison`, " + today + ", " +
                shortMachine() + "; tables, machine and commands: [`" + out.getFileName() + "`](" +
                link(options.readme, out) + ")):\ndocref's median time as a multiple of fastutil's, and the " +
                "thread-safe map's (the default) as a multiple of the single-threaded one's; below 1 is faster.\n\n" +
                headline;
            rewriteBlock(options.readme, README_START, README_END, block);
            System.err.println("[comparison] updated " + options.readme);
        }
        for (final String kept : List.of(siteKept, readmeKept))
        {
            if (!kept.isEmpty())
            {
                stdout.println(kept);
            }
        }
    }

    private static List<Row> run(final String benchmark, final List<String> maps, final List<Integer> sizes,
        final List<String> loadFactors, final Options options) throws RunnerException
    {
        final List<String> sizeParams = new ArrayList<>();
        for (final int size : sizes)
        {
            sizeParams.add(Integer.toString(size));
        }
        final ChainedOptionsBuilder jmh = new OptionsBuilder()
            .include("^" + QuickComparison.class.getPackageName().replace(".", "\\.") + "\\." + benchmark + "\\.")
            .param("kind", maps.toArray(new String[0]))
            .param("size", sizeParams.toArray(new String[0]))
            .forks(options.forks)
            .warmupIterations(options.warmupIterations)
            .warmupTime(options.time)
            .measurementIterations(options.iterations)
            .measurementTime(options.time)
            .jvmArgs("-Xms" + options.heap, "-Xmx" + options.heap)
            .addProfiler(GCProfiler.class)
            .shouldFailOnError(true);
        if (!loadFactors.equals(List.of("default")))
        {
            // Only MapBenchmark's subclasses have this parameter (reader scaling does not).
            jmh.param("loadFactor", loadFactors.toArray(new String[0]));
        }
        final Collection<RunResult> results = new Runner(jmh.build()).run();
        final List<Row> rows = new ArrayList<>();
        for (final RunResult result : results)
        {
            rows.add(Row.of(benchmark, result));
        }
        return rows;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Rendering (package-private for tests).
    // ----------------------------------------------------------------------------------------------------------

    /** One JMH result: one benchmark, one map, one size. */
    static final class Row
    {
        final String benchmark;
        final String kind;
        final int size;
        final double median;
        final double mean;
        final double error;
        final String unit;
        final long samples;
        /** Threads that ran the benchmark method (its {@code @Threads}); 1 for every benchmark but reader scaling. */
        final int threads;
        /** Bytes allocated per operation, or NaN when {@code -prof gc} did not report it. */
        final double allocatedPerOp;
        /** The map's load factor as the benchmark's {@code loadFactor} parameter gave it: "default" or a number. */
        final String loadFactor;

        Row(final String benchmark, final String kind, final int size, final double median, final double mean,
            final double error, final String unit, final long samples, final double allocatedPerOp)
        {
            this(benchmark, kind, size, median, mean, error, unit, samples, allocatedPerOp, 1);
        }

        Row(final String benchmark, final String kind, final int size, final double median, final double mean,
            final double error, final String unit, final long samples, final double allocatedPerOp, final int threads)
        {
            this(benchmark, kind, size, median, mean, error, unit, samples, allocatedPerOp, threads, "default");
        }

        Row(final String benchmark, final String kind, final int size, final double median, final double mean,
            final double error, final String unit, final long samples, final double allocatedPerOp, final int threads,
            final String loadFactor)
        {
            this.loadFactor = loadFactor;
            this.threads = threads;
            this.benchmark = benchmark;
            this.kind = kind;
            this.size = size;
            this.median = median;
            this.mean = mean;
            this.error = error;
            this.unit = unit;
            this.samples = samples;
            this.allocatedPerOp = allocatedPerOp;
        }

        static Row of(final String benchmark, final RunResult result)
        {
            final Result<?> primary = result.getPrimaryResult();
            final Result<?> allocated = result.getSecondaryResults().get(GC_ALLOC_NORM);
            final String loadFactor = result.getParams().getParam("loadFactor");
            return new Row(benchmark, result.getParams().getParam("kind"),
                Integer.parseInt(result.getParams().getParam("size")), primary.getStatistics().getPercentile(50),
                primary.getScore(), primary.getScoreError(), primary.getScoreUnit(), primary.getSampleCount(),
                allocated == null ? Double.NaN : allocated.getScore(), result.getParams().getThreads(),
                loadFactor == null ? "default" : loadFactor);
        }

        /**
         * Operations in one invocation when the benchmark's score is per whole cycle (a pass over every entry, a fill,
         * a growth, half the entries removed), else 0: such scores are milliseconds per cycle.
         */
        long opsPerCycle()
        {
            final Cycle cycle = CYCLES.get(benchmark);
            return cycle == null ? 0 : cycle.ops(size);
        }

        boolean isCycle()
        {
            return opsPerCycle() > 0;
        }

        /** The median per operation in ns (per entry, put or remove for a cycle benchmark), else the median. */
        double medianPerOp()
        {
            return isCycle() ? median * 1e6 / opsPerCycle() : median;
        }

        /** Bytes allocated per operation (the cycle's allocation shared among its operations). */
        double allocatedPerSingleOp()
        {
            return isCycle() ? allocatedPerOp / opsPerCycle() : allocatedPerOp;
        }

        /** The unit of {@link #medianPerOp()}. */
        String unitPerOp()
        {
            return isCycle() ? "ns/" + CYCLES.get(benchmark).op : unit;
        }
    }

    /** One table per benchmark and size: every map's median, mean and error, ratio to fastutil, bytes per op. */
    static String tables(final List<Row> rows)
    {
        final StringBuilder out = new StringBuilder();
        for (final Map.Entry<String, String> benchmark : BENCHMARKS.entrySet())
        {
            for (final int size : sizesOf(rows, benchmark.getKey()))
            {
                final List<Row> group = select(rows, benchmark.getKey(), size);
                final Row baseline = find(group, BASELINE);
                final String unit = group.get(0).unit;
                out.append(String.format(Locale.ROOT, "%n## %s, %,d entries (`%s`, %s)%n%n", benchmark.getValue(),
                    size, benchmark.getKey(), unit));
                out.append("| Map | Median | Mean ± error (99.9%) | Median / fastutil | ");
                final Cycle cycle = CYCLES.get(benchmark.getKey());
                out.append(cycle != null ? "Allocated B/" + cycle.name + " | Median ns/" + cycle.op + " |\n" :
                    "Allocated B/op |\n");
                out.append(cycle != null ? "|---|---:|---:|---:|---:|---:|\n" : "|---|---:|---:|---:|---:|\n");
                for (final Row row : group)
                {
                    out.append(String.format(Locale.ROOT, "| %s | %s | %s ± %s | %s | %s |", title(row.kind),
                        number(row.median), number(row.mean), number(row.error),
                        baseline == null ? "-" : String.format(Locale.ROOT, "%.2fx", row.median / baseline.median),
                        Double.isNaN(row.allocatedPerOp) ? "-" :
                            String.format(Locale.ROOT, "%.2f", row.allocatedPerOp)));
                    if (row.isCycle())
                    {
                        out.append(String.format(Locale.ROOT, " %s |", number(row.medianPerOp())));
                    }
                    out.append('\n');
                }
            }
        }
        return out.toString();
    }

    /**
     * docref (thread-safe) against fastutil and against the single-threaded docref, per benchmark and size: medians,
     * the two ratios, docref's allocation. A column whose map did not run shows "-".
     */
    static String headline(final List<Row> rows)
    {
        final StringBuilder out = new StringBuilder();
        out.append("| Benchmark | Entries | docref median | docref single-threaded median | fastutil median | " +
            "docref / fastutil | thread-safe / single-threaded | docref allocated B/op |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Map.Entry<String, String> benchmark : BENCHMARKS.entrySet())
        {
            for (final int size : sizesOf(rows, benchmark.getKey()))
            {
                final List<Row> group = select(rows, benchmark.getKey(), size);
                final Row docref = find(group, DOCREF);
                final Row single = find(group, DOCREF_SINGLE_THREADED);
                final Row fastutil = find(group, BASELINE);
                if (docref == null || (fastutil == null && single == null))
                {
                    continue;
                }
                final String unit = docref.unitPerOp();
                final double docrefMedian = docref.medianPerOp();
                out.append(String.format(Locale.ROOT, "| %s | %s | %s %s | %s | %s | %s | %s | %s |%n",
                    benchmark.getValue(), shortCount(size), number(docrefMedian), unit,
                    single == null ? "-" : number(single.medianPerOp()) + " " + unit,
                    fastutil == null ? "-" : number(fastutil.medianPerOp()) + " " + unit,
                    fastutil == null ? "-" : String.format(Locale.ROOT, "**%.2fx**",
                        docrefMedian / fastutil.medianPerOp()),
                    single == null ? "-" : String.format(Locale.ROOT, "**%.2fx**",
                        docrefMedian / single.medianPerOp()),
                    Double.isNaN(docref.allocatedPerOp) ? "-" : String.format(Locale.ROOT, "%.2f",
                        docref.allocatedPerSingleOp())));
            }
        }
        return out.toString();
    }

    /**
     * The link from the markdown file {@code from} to {@code target}, relative to {@code from}'s directory, with
     * {@code /} separators: {@code ../../../bench/results/<date>.md} from {@code src/site/markdown/benchmarks.md},
     * {@code bench/results/<date>.md} from {@code README.md}, wherever {@code --out} put the file.
     */
    static String link(final Path from, final Path target)
    {
        final Path dir = from.toAbsolutePath().normalize().getParent();
        return dir.relativize(target.toAbsolutePath().normalize()).toString().replace(java.io.File.separatorChar, '/');
    }

    /** The nearest directory at or above {@code file}'s that holds {@code .git} (a clone or worktree), or null. */
    static Path repositoryRoot(final Path file)
    {
        for (Path dir = file.toAbsolutePath().normalize().getParent(); dir != null; dir = dir.getParent())
        {
            if (Files.exists(dir.resolve(".git")))
            {
                return dir;
            }
        }
        return null;
    }

    /**
     * {@link #headline}, or when it has no rows, one line saying why in its place: the run measured no docref, or no
     * map to set it against (a results file used to show the heading and column names over no rows).
     */
    static String headlineOrWhyNone(final List<Row> rows, final Options options)
    {
        final String table = headline(rows);
        if (table.split("\n").length > 2)
        {
            return table;
        }
        final String why;
        if (!options.maps.contains(DOCREF))
        {
            why = "this run (--maps " + String.join(",", options.maps) + ") measured no docref (" + DOCREF + ")";
        }
        else if (!options.maps.contains(BASELINE) && !options.maps.contains(DOCREF_SINGLE_THREADED))
        {
            why = "this run (--maps " + String.join(",", options.maps) + ") measured no " + BASELINE + " or " +
                DOCREF_SINGLE_THREADED;
        }
        else
        {
            why = "this run (--benchmarks " + String.join(",", options.benchmarks) + ") ran none of " +
                String.join(", ", BENCHMARKS.keySet());
        }
        return "No headline: it sets docref (" + DOCREF + ") against " + BASELINE + " and against " +
            DOCREF_SINGLE_THREADED + " in " + String.join(", ", BENCHMARKS.keySet()) + ", and " + why + "; add " +
            "them for it. The tables below have all this run measured.\n";
    }

    /**
     * Reader scaling in one table: per map and size, the total get throughput of 1 and of 2 readers and their ratio
     * (2.00x is perfect scaling). Empty when the benchmark did not run.
     */
    static String readerHeadline(final List<Row> rows)
    {
        final List<Integer> sizes = sizesOf(rows, READER_SCALING);
        if (sizes.isEmpty())
        {
            return "";
        }
        final StringBuilder out = new StringBuilder();
        out.append("\nReader scaling (`ReaderScalingBenchmark`): get hits per microsecond, summed over the readers, " +
            "on a pre-sized map with no writer; maps that are not thread-safe are read without a lock (safe only " +
            "because nothing writes).\n\n");
        out.append("| Map | Entries | 1 reader | 2 readers | 2 readers / 1 |\n");
        out.append("|---|---:|---:|---:|---:|\n");
        for (final int size : sizes)
        {
            for (final String kind : READER_KINDS)
            {
                final Row one = find(rows, READER_SCALING, size, kind, 1);
                final Row two = find(rows, READER_SCALING, size, kind, 2);
                if (one == null && two == null)
                {
                    continue;
                }
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", title(kind), shortCount(size),
                    one == null ? "-" : number(one.median), two == null ? "-" : number(two.median),
                    one == null || two == null ? "-" :
                        String.format(Locale.ROOT, "**%.2fx**", two.median / one.median)));
            }
        }
        return out.toString();
    }

    /**
     * The default results file: {@code <dir>/<date>.md}, or, if a run of the same day already wrote that one,
     * {@code <date>-2.md}, {@code <date>-3.md} and so on, so that a second run never replaces a first run's
     * tables (perhaps committed from another machine) without being asked to ({@code --out}).
     */
    static Path unusedResultsFile(final Path dir, final LocalDate date)
    {
        Path candidate = dir.resolve(date + ".md");
        for (int n = 2; Files.exists(candidate); n++)
        {
            candidate = dir.resolve(date + "-" + n + ".md");
        }
        return candidate;
    }

    /** The reader-scaling results in full: median, mean and error, by map, size and reader count. */
    static String readerTables(final List<Row> rows)
    {
        final StringBuilder out = new StringBuilder();
        for (final int size : sizesOf(rows, READER_SCALING))
        {
            out.append(String.format(Locale.ROOT, "%n## Reader scaling, %,d entries (`%s`, get hits per us, all " +
                "readers together)%n%n", size, READER_SCALING));
            out.append("| Map | Readers | Median | Mean ± error (99.9%) | Median per reader | Allocated B/op |\n");
            out.append("|---|---:|---:|---:|---:|---:|\n");
            for (final String kind : READER_KINDS)
            {
                for (final int threads : new int[] {1, 2})
                {
                    final Row row = find(rows, READER_SCALING, size, kind, threads);
                    if (row == null)
                    {
                        continue;
                    }
                    out.append(String.format(Locale.ROOT, "| %s | %d | %s | %s ± %s | %s | %s |%n", title(kind),
                        threads, number(row.median), number(row.mean), number(row.error),
                        number(row.median / threads), Double.isNaN(row.allocatedPerOp) ? "-" :
                            String.format(Locale.ROOT, "%.2f", row.allocatedPerOp)));
                }
            }
        }
        return out.toString();
    }

    /**
     * docref against fastutil when both tables use about the same memory: docref pre-sized at its defaults and
     * fastutil at load factor {@value #SAME_MEMORY_LOAD_FACTOR}, with fastutil at its default load factor beside them
     * to show what its emptier table buys. Each map's table bytes per entry are given, computed from the same sizing
     * the maps use (docref's {@code offHeapBytes()}, fastutil's two arrays of {@code HashCommon.arraySize(n, f) + 1}
     * longs).
     */
    static String sameMemory(final List<Row> rows, final int size, final double docrefBytes,
        final double fastutilBytes, final double fastutilDefaultBytes)
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nAt the same memory (%,d entries): docref at its defaults against " +
            "fastutil at load factor %s, whose power-of-two table then runs about as full as docref's segments " +
            "(%.1f and %.1f bytes per entry); fastutil at its default load factor (%.1f bytes per entry) for " +
            "reference. Above, each map runs at its own default.%n%n", size, SAME_MEMORY_LOAD_FACTOR, docrefBytes,
            fastutilBytes, fastutilDefaultBytes));
        out.append("| Benchmark | docref median | fastutil median, load factor " + SAME_MEMORY_LOAD_FACTOR +
            " | docref / fastutil, same memory | fastutil median, default load factor | fastutil, " +
            SAME_MEMORY_LOAD_FACTOR + " / default |\n");
        out.append("|---|---:|---:|---:|---:|---:|\n");
        for (final String benchmark : SAME_MEMORY_BENCHMARKS)
        {
            final Row docref = find(rows, benchmark, size, DOCREF, "default");
            final Row full = find(rows, benchmark, size, BASELINE, SAME_MEMORY_LOAD_FACTOR);
            final Row roomy = find(rows, benchmark, size, BASELINE, "default");
            if (docref == null && full == null && roomy == null)
            {
                continue;
            }
            final String unit = " " + (docref != null ? docref : full != null ? full : roomy).unitPerOp();
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", BENCHMARKS.get(benchmark),
                docref == null ? "-" : number(docref.medianPerOp()) + unit,
                full == null ? "-" : number(full.medianPerOp()) + unit,
                docref == null || full == null ? "-" : String.format(Locale.ROOT, "**%.2fx**",
                    docref.medianPerOp() / full.medianPerOp()),
                roomy == null ? "-" : number(roomy.medianPerOp()) + unit,
                full == null || roomy == null ? "-" : String.format(Locale.ROOT, "%.2fx",
                    full.medianPerOp() / roomy.medianPerOp())));
        }
        return out.toString();
    }

    /** Off-heap bytes per entry of a docref map pre-sized for {@code size} entries at its defaults. */
    static double docrefBytesPerEntry(final int size)
    {
        try (PresizedDocRefMap map = PresizedDocRefMap.withCapacity(size))
        {
            return (double)map.offHeapBytes() / size;
        }
    }

    /**
     * Bytes per entry of the key and value arrays of a {@code Long2LongOpenHashMap} pre-sized for {@code size} entries
     * at {@code loadFactor}: two arrays of {@code HashCommon.arraySize(size, loadFactor) + 1} longs (the extra slot
     * holds the key 0).
     */
    static double fastutilBytesPerEntry(final int size, final float loadFactor)
    {
        return 2.0 * Long.BYTES * (HashCommon.arraySize(size, loadFactor) + 1) / size;
    }

    /**
     * Replace the text between {@code start} and {@code end} (both kept) in {@code file} with {@code block}.
     *
     * @throws IllegalStateException if either marker is missing or out of order, naming the file and the markers.
     */
    static void rewriteBlock(final Path file, final String start, final String end, final String block)
        throws IOException
    {
        final String text = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, replaceBlock(text, start, end, block, file.toString()), StandardCharsets.UTF_8);
    }

    /**
     * A file whose block between {@code start} and {@code end} the comparison rewrites at its end: checked before any
     * benchmark runs, so that a wrong path or a file without the markers fails at once, not after the whole run.
     *
     * @throws IllegalArgumentException naming the flag, the file and what is missing.
     */
    static Path markedFile(final String flag, final String value, final String start, final String end)
    {
        final Path file = Path.of(value);
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(flag + " '" + value + "' cannot be read (" + ex + "); give the " +
                "markdown file whose block between '" + start + "' and '" + end + "' the comparison rewrites", ex);
        }
        try
        {
            replaceBlock(text, start, end, "", value);
        }
        catch (final IllegalStateException ex)
        {
            throw new IllegalArgumentException(flag + " '" + value + "': " + ex.getMessage(), ex);
        }
        return file;
    }

    static String replaceBlock(final String text, final String start, final String end, final String block,
        final String name)
    {
        final int from = text.indexOf(start);
        final int to = text.indexOf(end);
        if (from < 0 || to < from)
        {
            throw new IllegalStateException(name + " has no block between '" + start + "' and '" + end + "' (in " +
                "that order) for the quick comparison to rewrite; add the two marker lines where the table belongs");
        }
        return text.substring(0, from + start.length()) + "\n" + block.strip() + "\n" + text.substring(to);
    }

    private static List<Integer> sizesOf(final List<Row> rows, final String benchmark)
    {
        final List<Integer> sizes = new ArrayList<>();
        for (final Row row : rows)
        {
            if (row.benchmark.equals(benchmark) && !sizes.contains(row.size))
            {
                sizes.add(row.size);
            }
        }
        sizes.sort(null);
        return sizes;
    }

    /** The rows of one benchmark and size, in {@link LongMap.Kind} order. */
    private static List<Row> select(final List<Row> rows, final String benchmark, final int size)
    {
        final List<Row> group = new ArrayList<>();
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            final Row row = find(rows, benchmark, size, kind.id());
            if (row != null)
            {
                group.add(row);
            }
        }
        return group;
    }

    private static Row find(final List<Row> rows, final String benchmark, final int size, final String kind)
    {
        for (final Row row : rows)
        {
            if (row.benchmark.equals(benchmark) && row.size == size && row.kind.equals(kind))
            {
                return row;
            }
        }
        return null;
    }

    private static Row find(final List<Row> rows, final String benchmark, final int size, final String kind,
        final int threads)
    {
        for (final Row row : rows)
        {
            if (row.benchmark.equals(benchmark) && row.size == size && row.kind.equals(kind) && row.threads == threads)
            {
                return row;
            }
        }
        return null;
    }

    private static Row find(final List<Row> rows, final String benchmark, final int size, final String kind,
        final String loadFactor)
    {
        for (final Row row : rows)
        {
            if (row.benchmark.equals(benchmark) && row.size == size && row.kind.equals(kind) &&
                row.loadFactor.equals(loadFactor))
            {
                return row;
            }
        }
        return null;
    }

    private static Row find(final List<Row> group, final String kind)
    {
        for (final Row row : group)
        {
            if (row.kind.equals(kind))
            {
                return row;
            }
        }
        return null;
    }

    private static String title(final String kind)
    {
        return LongMap.Kind.parse(kind).title;
    }

    static String number(final double value)
    {
        if (Double.isNaN(value))
        {
            return "-";
        }
        if (Math.abs(value) >= 100)
        {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (Math.abs(value) >= 10)
        {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String shortCount(final int size)
    {
        if (size >= 1_000_000 && size % 1_000_000 == 0)
        {
            return (size / 1_000_000) + "M";
        }
        return String.format(Locale.ROOT, "%,d", size);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Machine and settings, read off this machine.
    // ----------------------------------------------------------------------------------------------------------

    private static String settings(final Options options, final double minutes)
    {
        // bench/run-comparison always passes --site and --readme; without them this ran as a plain java command.
        final String command = options.site != null || options.readme != null ? "bench/run-comparison" :
            "java -cp bench/target/benchmarks.jar dev.docref.bench.QuickComparison";
        return String.format(Locale.ROOT, "Command: `%s%s` (%.1f minutes). JMH %s, %d fork per " +
            "map and benchmark, %d warm-up and %d measured iterations of %s, `-prof gc`, fork JVM options " +
            "`-Ddocref.disable.bounds.checks=true -Xms%s -Xmx%s`. Median and mean are over the measured iterations; " +
            "the error is JMH's 99.9%% confidence half-width. Ratios are medians, docref or other map / fastutil: " +
            "below 1 is faster than fastutil. Maps are pre-sized (`withCapacity(n)`, or the map's own expected-size " +
            "constructor) except in \"put while growing\". Put, remove and iteration time whole cycles (a fill, " +
            "a growth, a pass removing half the entries, a pass over all), in ms per cycle, and the headline shows " +
            "them per operation.",
            command, options.commandLine.isEmpty() ? "" : " " + options.commandLine, minutes, jmhVersion(),
            options.forks, options.warmupIterations, options.iterations, options.time, options.heap, options.heap);
    }

    static String machine()
    {
        final Runtime runtime = Runtime.getRuntime();
        return String.format(Locale.ROOT, "Machine: %s, %d CPUs%s, %s, %s memory, %s %s. JVM: %s %s (%s), GC %s.",
            cpuModel(), runtime.availableProcessors(), hypervisor() ? " (virtualised)" : "", caches(), totalMemory(),
            System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.vm.name"),
            System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"), garbageCollector());
    }

    /** The headline's machine: the CPU model first, because the ratios differ between CPUs (Intel against AMD). */
    static String shortMachine()
    {
        return String.format(Locale.ROOT, "%s, %d CPUs, %s, Java %s", cpuModel(),
            Runtime.getRuntime().availableProcessors(), totalMemory(), System.getProperty("java.version"));
    }

    static String cpuModel()
    {
        for (final String line : cpuinfo())
        {
            if (line.startsWith("model name"))
            {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    /** Data and unified caches of CPU 0 as the (possibly virtual) machine reports them, e.g. "L1d 48K, L2 2048K". */
    private static String caches()
    {
        final List<String> caches = new ArrayList<>();
        for (int index = 0; index < 8; index++)
        {
            final Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            try
            {
                final String type = Files.readString(dir.resolve("type")).trim();
                if (!"Instruction".equals(type))
                {
                    caches.add("L" + Files.readString(dir.resolve("level")).trim() +
                        ("Data".equals(type) ? "d " : " ") + Files.readString(dir.resolve("size")).trim());
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                break;
            }
        }
        return caches.isEmpty() ? "caches unknown" : "caches " + String.join(", ", caches) + " (as reported)";
    }

    private static boolean hypervisor()
    {
        for (final String line : cpuinfo())
        {
            if (line.startsWith("flags") && line.contains(" hypervisor"))
            {
                return true;
            }
        }
        return false;
    }

    private static List<String> cpuinfo()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
        }
        catch (final IOException | RuntimeException ex)
        {
            return List.of();
        }
    }

    private static String totalMemory()
    {
        final long bytes = CommandLine.physicalMemoryBytes();
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", bytes / (double)(1L << 30));
    }

    private static String garbageCollector()
    {
        final List<String> names = new ArrayList<>();
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> names.add(gc.getName()));
        return String.join(" + ", names);
    }

    private static String jmhVersion()
    {
        final Package jmh = Runner.class.getPackage();
        return jmh != null && jmh.getImplementationVersion() != null ? jmh.getImplementationVersion() : "1.37";
    }

    // ----------------------------------------------------------------------------------------------------------
    // Options.
    // ----------------------------------------------------------------------------------------------------------

    static final class Options
    {
        static final String USAGE = String.join("\n",
            "usage: QuickComparison [--maps presized,fastutil,...] [--sizes 1000000] [--get-sizes 1000000,10000000]",
            "                       [--benchmarks GetHitBenchmark,...] [--forks 1] [--warmup 3] [--iterations 5]",
            "                       [--time 500ms] [--heap 4g] [--same-memory-size 870000] [--out FILE]",
            "                       [--site FILE] [--readme FILE]",
            "  --maps LIST        maps to compare (default: all eight; reader scaling runs presized, presized_st",
            "                     and fastutil of them, and presized_compact runs only in put while growing)",
            "  --sizes LIST       entries for put, remove and iteration (default 1000000; remove needs 2 or more)",
            "  --get-sizes LIST   entries for get hit, get miss and reader scaling (default 1000000,10000000)",
            "  --benchmarks LIST  benchmark classes (default: all seven)",
            "  --forks N          forks per map and benchmark (default 1)",
            "  --warmup N         warm-up iterations (default 3)",
            "  --iterations N     measured iterations (default 5)",
            "  --time DURATION    length of each iteration, at least 1ms, e.g. 500ms, 1s (default 500ms)",
            "  --heap SIZE        -Xms and -Xmx of each fork, e.g. 4g (default 4g); refused if below the heap a",
            "                     fork of a chosen map must hold at once at its largest size (java.util.HashMap",
            "                     needs 11g at --sizes 100000000)",
            "  --same-memory-size N  entries for get hit, get miss and put into a pre-sized map with docref and",
            "                     fastutil at about the same memory (fastutil at load factor " +
                SAME_MEMORY_LOAD_FACTOR + "); best",
            "                     about 0.83 * 2^k (default " + SAME_MEMORY_SIZE + "); refused where the two maps'",
            "                     bytes per entry are more than 10% apart (below about 400, or far from 0.83 * 2^k);",
            "                     0 skips it",
            "  --out FILE         results file (default bench/results/<UTC date>.md, or <date>-2.md... if it exists)",
            "  --site FILE        rewrite the quick-comparison block of this file (src/site/markdown/benchmarks.md),",
            "                     if the run measures every map in every benchmark and at the same memory",
            "  --readme FILE      rewrite the jmh-headline block of this file (README.md), if the run measures",
            "                     presized, presized_st and fastutil in every benchmark and at the same memory");

        List<String> maps = new ArrayList<>();
        List<Integer> sizes = List.of(1_000_000);
        List<Integer> getSizes = List.of(1_000_000, 10_000_000);
        List<String> benchmarks = allBenchmarks();
        int forks = 1;
        int warmupIterations = 3;
        int iterations = 5;
        TimeValue time = TimeValue.milliseconds(500);
        String heap = "4g";
        int sameMemorySize = SAME_MEMORY_SIZE;
        Path out;
        Path site;
        Path readme;
        String commandLine = "";

        Options()
        {
            maps.addAll(allMaps());
        }

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            final List<String> shown = new ArrayList<>();
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                // Each case reads its value, so that an unknown last argument is named as unknown.
                switch (arg)
                {
                    case "--maps":
                        options.maps = new ArrayList<>();
                        for (final String name : CommandLine.list(arg, CommandLine.value(args, ++i, arg)))
                        {
                            options.maps.add(LongMap.Kind.parse(name).id());
                        }
                        break;
                    case "--sizes":
                        options.sizes = sizes(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--get-sizes":
                        options.getSizes = sizes(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--benchmarks":
                        options.benchmarks = new ArrayList<>();
                        for (final String name : CommandLine.list(arg, CommandLine.value(args, ++i, arg)))
                        {
                            if (!allBenchmarks().contains(name))
                            {
                                throw new IllegalArgumentException("unknown benchmark '" + name + "'; choose from " +
                                    String.join(", ", allBenchmarks()));
                            }
                            options.benchmarks.add(name);
                        }
                        break;
                    case "--forks":
                        options.forks = atLeast(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--warmup":
                        options.warmupIterations = atLeast(arg, CommandLine.value(args, ++i, arg), 0);
                        break;
                    case "--iterations":
                        options.iterations = atLeast(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--time":
                        options.time = duration(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--heap":
                        options.heap = CommandLine.heapSize(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--same-memory-size":
                        options.sameMemorySize = atLeast(arg, CommandLine.value(args, ++i, arg), 0);
                        break;
                    case "--out":
                        options.out = CommandLine.outputFile(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--site":
                        options.site = markedFile(arg, CommandLine.value(args, ++i, arg), SITE_START, SITE_END);
                        break;
                    case "--readme":
                        options.readme = markedFile(arg, CommandLine.value(args, ++i, arg), README_START, README_END);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
                if (!arg.equals("--site") && !arg.equals("--readme"))
                {
                    // bench/run-comparison always passes these two; the command line shown is what a user typed.
                    shown.add(arg);
                    shown.add(args[i]);
                }
            }
            options.commandLine = String.join(" ", shown);
            options.checkSameMemorySize();
            options.checkOutLinkable(options.site, "--site", SITE_START, SITE_MAPS);
            options.checkOutLinkable(options.readme, "--readme", README_START, HEADLINE_MAPS);
            options.checkSizes();
            options.checkSomethingRuns();
            options.checkHeap();
            return options;
        }

        /**
         * The maps of {@link #maps} that {@code benchmark} runs: {@code presized_compact} only in
         * {@link PutGrowingBenchmark} (growth is all it changes), and reader scaling only {@link #READER_KINDS}.
         */
        List<String> mapsOf(final String benchmark)
        {
            final List<String> run = new ArrayList<>(maps);
            if (!benchmark.equals(PutGrowingBenchmark.class.getSimpleName()))
            {
                // Growth.COMPACT changes only how a map grows: everywhere else it is the default map measured again.
                run.remove(LongMap.Kind.PRESIZED_COMPACT.id());
            }
            if (benchmark.equals(READER_SCALING))
            {
                run.retainAll(READER_KINDS);
            }
            return run;
        }

        /**
         * Refuse a run that would measure nothing before anything runs: it would build, then write an empty results
         * file and empty blocks.
         */
        private void checkSomethingRuns()
        {
            for (final String benchmark : benchmarks)
            {
                if (!mapsOf(benchmark).isEmpty())
                {
                    return;
                }
            }
            throw new IllegalArgumentException("--maps " + String.join(",", maps) + " with --benchmarks " +
                String.join(",", benchmarks) + " measures nothing (" + READER_SCALING + " runs only " +
                String.join(", ", READER_KINDS) + "; " + LongMap.Kind.PRESIZED_COMPACT.id() + " runs only in " +
                PutGrowingBenchmark.class.getSimpleName() + "); add " + DOCREF + " (which every benchmark runs) to " +
                "--maps, or " + PutGrowingBenchmark.class.getSimpleName() + " (which runs every map) to --benchmarks");
        }

        /**
         * Why this run leaves the block of {@code file} that starts with {@code start} as it was, in one line naming
         * what it left out and the options that would refresh it; "" if it measures all the block shows:
         * {@code shownMaps} in every benchmark, and the same-memory table.
         */
        String kept(final Path file, final String start, final List<String> shownMaps)
        {
            final List<String> missingMaps = new ArrayList<>(shownMaps);
            missingMaps.removeAll(maps);
            final List<String> missingBenchmarks = new ArrayList<>(allBenchmarks());
            missingBenchmarks.removeAll(benchmarks);
            final List<String> missing = new ArrayList<>();
            final List<String> fixes = new ArrayList<>();
            if (!missingMaps.isEmpty())
            {
                missing.addAll(missingMaps);
                fixes.add("add " + String.join(",", missingMaps) + " to --maps (or leave --maps out)");
            }
            if (!missingBenchmarks.isEmpty())
            {
                missing.addAll(missingBenchmarks);
                fixes.add("add " + String.join(",", missingBenchmarks) + " to --benchmarks (or leave --benchmarks " +
                    "out)");
            }
            if (sameMemorySize == 0)
            {
                missing.add("the same-memory table");
                fixes.add("pass --same-memory-size above 0 (or leave it out)");
            }
            if (missing.isEmpty())
            {
                return "";
            }
            final String shows = shownMaps.equals(allMaps()) ? "every map" : String.join(", ", shownMaps);
            return KEPT + file + "'s block after '" + start + "' as it was: it shows " + shows +
                " in every benchmark and the same-memory table, and this run left out " + String.join(", ", missing) +
                "; to refresh it, " + String.join(", ", fixes);
        }

        /** Whether {@code benchmark} runs at {@code --get-sizes} (the get benchmarks) rather than {@code --sizes}. */
        static boolean runsAtGetSizes(final String benchmark)
        {
            return benchmark.startsWith("GetHit") || benchmark.startsWith("GetMiss") ||
                benchmark.equals(READER_SCALING);
        }

        /** The sizes {@code benchmark} runs at. */
        List<Integer> sizesOf(final String benchmark)
        {
            return runsAtGetSizes(benchmark) ? getSizes : sizes;
        }

        /**
         * Refuse a size a selected benchmark cannot run at before anything runs: JMH would fail in the benchmark's
         * set-up, after the benchmarks before it, with a stack trace in JMH's terms.
         */
        private void checkSizes()
        {
            for (final String benchmark : benchmarks)
            {
                final int min = MIN_SIZES.getOrDefault(benchmark, 1);
                for (final int size : sizesOf(benchmark))
                {
                    if (size < min)
                    {
                        final String flag = runsAtGetSizes(benchmark) ? "--get-sizes" : "--sizes";
                        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s %d is below %s's " +
                            "minimum of %d entries; pass %s of %d or more, or leave %s out of --benchmarks", flag,
                            size, benchmark, min, flag, min, benchmark));
                    }
                }
            }
        }

        /** Whether the same-memory table runs: docref and fastutil chosen and {@code --same-memory-size} above 0. */
        boolean runsSameMemory()
        {
            return sameMemorySize > 0 && maps.contains(DOCREF) && maps.contains(BASELINE);
        }

        /**
         * Refuse a {@code --heap} below the heap the hungriest fork of this run must hold at once (its map and key
         * arrays, {@link #FORK_HEAPS}), before anything runs: JMH would start that fork after the benchmarks before
         * it, the fork would run out of memory, and {@code shouldFailOnError} would end the whole run there
         * ({@code --sizes 100000000 --heap 4g}: java.util.HashMap's remove fork at 100M keys holds at least 10.18 GiB).
         * Refused, not warned: the figure is a floor, so that fork cannot succeed. The {@code --heap} named fits
         * every fork of the run.
         */
        private void checkHeap()
        {
            final long heapBytes = CommandLine.heapBytes(heap);
            HeapFloor hungriest = new HeapFloor(0, "");
            for (final String benchmark : benchmarks)
            {
                for (final int size : sizesOf(benchmark))
                {
                    hungriest = hungriest.orHungrier(benchmark, mapsOf(benchmark), size,
                        runsAtGetSizes(benchmark) ? "--get-sizes" : "--sizes");
                }
                if (runsSameMemory() && SAME_MEMORY_BENCHMARKS.contains(benchmark))
                {
                    // Its fastutil runs at its default load factor too, the larger table.
                    hungriest = hungriest.orHungrier(benchmark, List.of(DOCREF, BASELINE), sameMemorySize,
                        "--same-memory-size");
                }
            }
            if (hungriest.bytes > heapBytes)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--heap %s is too small for %s, more " +
                    "than %s; pass --heap %dg or more (enough for every fork of this run), smaller sizes, or leave " +
                    "that map out of --maps or that benchmark out of --benchmarks", heap, hungriest.what,
                    GrowthPauseHarness.bytes(heapBytes), (hungriest.bytes + (1L << 30) - 1) >> 30));
            }
        }

        /** The largest heap floor of a run's forks so far, and which fork it is, in words. */
        private static final class HeapFloor
        {
            final long bytes;
            final String what;

            HeapFloor(final long bytes, final String what)
            {
                this.bytes = bytes;
                this.what = what;
            }

            /** This, or the hungriest fork of {@code benchmark} for {@code kinds} at {@code size} if it needs more. */
            HeapFloor orHungrier(final String benchmark, final List<String> kinds, final int size, final String flag)
            {
                HeapFloor hungriest = this;
                for (final String id : kinds)
                {
                    final LongMap.Kind kind = LongMap.Kind.parse(id);
                    final long needed = FORK_HEAPS.get(benchmark).minBytes(kind, size);
                    if (needed > hungriest.bytes)
                    {
                        final long map = kind.minHeapBytes(size, benchmark.equals(
                            PutGrowingBenchmark.class.getSimpleName()));
                        hungriest = new HeapFloor(needed, String.format(Locale.ROOT, "%s in %s at %s %,d: its fork " +
                            "holds at least %s of heap at once (%s for the map, %s for its key arrays)", kind.title,
                            benchmark, flag, size, GrowthPauseHarness.bytes(needed), GrowthPauseHarness.bytes(map),
                            GrowthPauseHarness.bytes(needed - map)));
                    }
                }
                return hungriest;
            }
        }

        /**
         * Refuse a {@code --same-memory-size} at which docref and fastutil at load factor
         * {@value #SAME_MEMORY_LOAD_FACTOR} do not take about the same memory (bytes per entry more than
         * {@link #SAME_MEMORY_TOLERANCE} apart): the table would be headed "at the same memory" and compare maps that
         * are not. Below about 400 entries docref's one segment has fewer than 512 home slots and is sized with
         * slack against spilling past its short tail (1 entry: 512 bytes against fastutil's 48); above it, a size far
         * from 0.83 * 2^k leaves fastutil's power-of-two table emptier (1,000,000: 19.3 against 33.6).
         */
        private void checkSameMemorySize()
        {
            if (sameMemorySize == 0 || sameMemory(sameMemorySize))
            {
                return;
            }
            int below = 0;
            int above = 0;
            for (int k = 1; k <= 30; k++)
            {
                final int candidate = (int)(0.83 * (1 << k));
                if (sameMemory(candidate))
                {
                    if (candidate < sameMemorySize)
                    {
                        below = candidate;
                    }
                    else if (above == 0)
                    {
                        above = candidate;
                    }
                }
            }
            final String fits = below == 0 ? String.format(Locale.ROOT, "%d", above) :
                String.format(Locale.ROOT, "%d or %d", below, above);
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--same-memory-size %d does not compare " +
                "the maps at the same memory: docref pre-sized for it takes %.1f bytes per entry and fastutil at " +
                "load factor %s %.1f, more than %.0f%% apart (docref's one segment needs slack below about 400 " +
                "entries; " +
                "fastutil's table is a power of two, as full as docref's only near 0.83 * 2^k entries); pass " +
                "--same-memory-size %s, or 0 to skip the table", sameMemorySize, docrefPresizedBytesPerEntry(
                sameMemorySize), SAME_MEMORY_LOAD_FACTOR, fastutilPresizedBytesPerEntry(sameMemorySize),
                SAME_MEMORY_TOLERANCE * 100, fits));
        }

        /** Whether docref and fastutil at {@value #SAME_MEMORY_LOAD_FACTOR} take about the same bytes at {@code n}. */
        static boolean sameMemory(final int n)
        {
            final double docref = docrefPresizedBytesPerEntry(n);
            final double fastutil = fastutilPresizedBytesPerEntry(n);
            return Math.abs(docref - fastutil) <= SAME_MEMORY_TOLERANCE * Math.min(docref, fastutil);
        }

        private static double docrefPresizedBytesPerEntry(final int n)
        {
            return (double)SegmentSizing.presizedBytes(n, PresizedDocRefMap.DEFAULT_SEGMENT_BYTES,
                PresizedDocRefMap.DEFAULT_LOAD_FACTOR) / n;
        }

        /** As {@link #fastutilBytesPerEntry}, for every int size: fastutil's arraySize refuses tables past 2^30. */
        private static double fastutilPresizedBytesPerEntry(final int n)
        {
            return 2.0 * Long.BYTES * (HashCommon.bigArraySize(n, Float.parseFloat(SAME_MEMORY_LOAD_FACTOR)) + 1) / n;
        }

        /**
         * Refuse an {@code --out} outside the repository of a file whose block this run will rewrite: the block links
         * to the results file, and a link out of the repository resolves neither on the site nor on GitHub. A run that
         * keeps the block as it was may write its results anywhere.
         */
        private void checkOutLinkable(final Path marked, final String flag, final String start,
            final List<String> shownMaps)
        {
            if (out == null || marked == null || !kept(marked, start, shownMaps).isEmpty())
            {
                return;
            }
            final Path root = repositoryRoot(marked);
            if (root != null && !out.toAbsolutePath().normalize().startsWith(root))
            {
                throw new IllegalArgumentException("--out " + out + " is outside the repository " + root + " of " +
                    flag + " " + marked + ", whose block this run rewrites with a link to the results file; that " +
                    "link (" + link(marked, out) + ") would resolve neither on the site nor on GitHub. Write the " +
                    "results under the repository, such as --out " + root.relativize(root.resolve("bench")
                    .resolve("results").resolve(out.getFileName())) + ", or leave --out out");
            }
        }

        /** Every benchmark class the comparison can run, in run order. */
        static List<String> allBenchmarks()
        {
            final List<String> all = new ArrayList<>(BENCHMARKS.keySet());
            all.add(READER_SCALING);
            return all;
        }

        private static List<Integer> sizes(final String name, final String value)
        {
            final List<Integer> sizes = new ArrayList<>();
            for (final String part : CommandLine.list(name, value))
            {
                sizes.add(atLeast(name, part, 1));
            }
            return sizes;
        }

        static int atLeast(final String name, final String value, final int min)
        {
            try
            {
                final int parsed = Integer.parseInt(value.replace("_", ""));
                if (parsed >= min)
                {
                    return parsed;
                }
            }
            catch (final NumberFormatException ex)
            {
                // Reported below with the accepted form.
            }
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " +
                Integer.MAX_VALUE + " but was '" + value + "'");
        }

        /**
         * A duration of at least 1 ms, such as {@code 500ms} or {@code 2s}. JMH runs iterations of time 0 as
         * single-shot, one call each ("single-shot each" in its log), so 0 and less are refused.
         */
        static TimeValue duration(final String name, final String value)
        {
            final String v = value.trim().toLowerCase(Locale.ROOT);
            try
            {
                if (v.endsWith("ms") && Long.parseLong(v.substring(0, v.length() - 2)) > 0)
                {
                    return TimeValue.milliseconds(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                if (!v.endsWith("ms") && v.endsWith("s") && Long.parseLong(v.substring(0, v.length() - 1)) > 0)
                {
                    return TimeValue.seconds(Long.parseLong(v.substring(0, v.length() - 1)));
                }
            }
            catch (final NumberFormatException ex)
            {
                // Reported below with the accepted form.
            }
            throw new IllegalArgumentException(name + " must be a duration of at least 1ms, a whole number of ms or " +
                "s such as 500ms or 2s, but was '" + value + "'");
        }
    }
}
