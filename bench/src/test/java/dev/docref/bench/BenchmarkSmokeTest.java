package dev.docref.bench;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Smoke run of every JMH benchmark class so that the benchmarks cannot rot: one 100 ms iteration per map (and per
 * method), no warm-up, in this JVM (0 forks, so bounds checks stay on), at {@value #SIZE} entries. Not for timing: it
 * checks that each benchmark sets up (each set-up verifies its map's contents), runs and reports a score for every
 * map its {@code kind} parameter lists, with as many threads as each method asks for.
 */
class BenchmarkSmokeTest
{
    /** Entries: small, so that each 100 ms iteration holds many whole fills, growths and passes. */
    static final int SIZE = 10_000;

    /** The map benchmarks, each smoke-run for every map by {@link #everyMapRunsOneIterationAndReportsAScore}. */
    private static final List<Class<?>> MAP_BENCHMARKS = List.of(GetHitBenchmark.class, GetMissBenchmark.class,
        PutPresizedBenchmark.class, PutGrowingBenchmark.class, RemoveBenchmark.class, IterateBenchmark.class,
        ReaderScalingBenchmark.class);

    static List<Class<?>> mapBenchmarks()
    {
        return MAP_BENCHMARKS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mapBenchmarks")
    void everyMapRunsOneIterationAndReportsAScore(final Class<?> benchmark) throws Exception
    {
        final Collection<RunResult> results = smokeRun(benchmark);

        final List<String> runs = new ArrayList<>();
        for (final RunResult result : results)
        {
            final String method = result.getParams().getBenchmark();
            final String run = method.substring(method.lastIndexOf('.') + 1) + " " +
                result.getParams().getParam("kind") + " x" + result.getParams().getThreads();
            runs.add(run);
            final double score = result.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), benchmark.getSimpleName() + " " + run + " scored " + score);
        }
        assertEquals(expectedRuns(benchmark), runs, "one result per method and map, in @Param order");
    }

    /** One 100 ms iteration of every method and parameter combination of {@code benchmark}, in this JVM. */
    private static Collection<RunResult> smokeRun(final Class<?> benchmark) throws Exception
    {
        return new Runner(new OptionsBuilder()
            .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
            .param("size", Integer.toString(SIZE))
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(100))
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT)
            .build()).run();
    }

    /** Every @Benchmark method with its @Threads (default 1) for every map of the class's kind @Param, in JMH order. */
    private static List<String> expectedRuns(final Class<?> benchmark) throws NoSuchFieldException
    {
        final List<String> methods = new ArrayList<>();
        for (final Method method : benchmark.getMethods())
        {
            if (method.isAnnotationPresent(Benchmark.class))
            {
                final Threads threads = method.getAnnotation(Threads.class);
                methods.add(method.getName() + " x" + (threads == null ? 1 : threads.value()));
            }
        }
        methods.sort(null);
        final List<String> expected = new ArrayList<>();
        for (final String method : methods)
        {
            final String[] kinds = benchmark.getField("kind").getAnnotation(Param.class).value();
            for (final String kind : kinds)
            {
                expected.add(method.replace(" x", " " + LongMap.Kind.parse(kind).id() + " x"));
            }
        }
        return expected;
    }

    @Test
    void theProbeLayoutExperimentRunsEveryLayoutAndMethod() throws Exception
    {
        final Collection<RunResult> results = smokeRun(ProbeLayoutBenchmark.class);

        final List<String> runs = new ArrayList<>();
        for (final RunResult result : results)
        {
            final String method = result.getParams().getBenchmark();
            runs.add(method.substring(method.lastIndexOf('.') + 1) + " " + result.getParams().getParam("layout"));
            assertTrue(result.getPrimaryResult().getScore() > 0, runs.get(runs.size() - 1));
        }
        final List<String> expected = new ArrayList<>();
        for (final String method : List.of("getHit", "getMiss"))
        {
            for (final String layout : List.of("linear", "linear_combined", "linear_branchy", "linear_hybrid",
                "linear_segmented", "linear_paged", "linear_stamped", "linear_direct", "map_read",
                "map_read_unvalidated", "map_read_no_fence", "map_read_fence_only", "cuckoo", "fastutil"))
            {
                expected.add(method + " " + layout);
            }
        }
        assertEquals(expected, runs);
    }

    /** Every method for every batch size and map (each set-up checks that both methods find every key). */
    @Test
    void theBatchedGetRunsEveryMethodBatchAndMap() throws Exception
    {
        final Collection<RunResult> results = smokeRun(GetAllBenchmark.class);

        final List<String> runs = new ArrayList<>();
        for (final RunResult result : results)
        {
            final String method = result.getParams().getBenchmark();
            runs.add(method.substring(method.lastIndexOf('.') + 1) + " " + result.getParams().getParam("batch") +
                " " + result.getParams().getParam("kind"));
            assertTrue(result.getPrimaryResult().getScore() > 0, runs.get(runs.size() - 1));
        }
        final List<String> expected = new ArrayList<>();
        for (final String method : List.of("getAll", "loopOfGet"))
        {
            for (final String batch : List.of("16", "64", "1024"))
            {
                for (final String kind : MapBenchmark.class.getField("kind").getAnnotation(Param.class).value())
                {
                    expected.add(method + " " + batch + " " + kind);
                }
            }
        }
        assertEquals(expected, runs);
    }

    @Test
    void theMapBenchmarksCompareBothDocrefVariantsWithEveryPeer() throws NoSuchFieldException
    {
        final List<String> all = new ArrayList<>();
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            all.add(kind.id());
        }
        assertEquals(all, List.of(MapBenchmark.class.getField("kind").getAnnotation(Param.class).value()));
    }

    /**
     * Every class in this package with a {@code @Benchmark} method is smoke-run here, and its forks turn docref's
     * bounds checks off (issue 6), prepended so that a {@code -jvmArgs} on the command line cannot drop it: a fork with
     * them on measures the checks as part of docref's time against maps that have none.
     */
    @Test
    void everyBenchmarkClassIsSmokeRunAndForksWithBoundsChecksOff() throws URISyntaxException, ClassNotFoundException
    {
        final TreeSet<String> found = new TreeSet<>();
        final File dir = new File(GetHitBenchmark.class.getResource("GetHitBenchmark.class").toURI()).getParentFile();
        for (final String file : dir.list())
        {
            if (!file.endsWith(".class") || file.contains("$"))
            {
                continue;
            }
            final Class<?> type = Class.forName(
                GetHitBenchmark.class.getPackageName() + "." + file.substring(0, file.length() - ".class".length()));
            if (Arrays.stream(type.getMethods()).noneMatch(method -> method.isAnnotationPresent(Benchmark.class)))
            {
                continue;
            }
            found.add(type.getSimpleName());
            final Fork fork = forkOf(type);
            final List<String> prepended = fork == null ? List.of() :
                Arrays.stream(fork.jvmArgsPrepend()).filter(arg -> !Fork.BLANK_ARGS.equals(arg)).toList();
            assertTrue(prepended.contains("-Ddocref.disable.bounds.checks=true"), type.getSimpleName() +
                "'s forks keep docref's bounds checks on (@Fork jvmArgsPrepend: " + prepended + "); add " +
                "jvmArgsPrepend = \"-Ddocref.disable.bounds.checks=true\" to its @Fork, as MapBenchmark has");
        }
        final TreeSet<String> smoked = new TreeSet<>();
        MAP_BENCHMARKS.forEach(type -> smoked.add(type.getSimpleName()));
        smoked.add(ProbeLayoutBenchmark.class.getSimpleName());
        smoked.add(GetAllBenchmark.class.getSimpleName());
        assertEquals(smoked, found, "every benchmark class must have a smoke run in this test");
    }

    /**
     * A {@code -jvmArgsPrepend} of one's own replaces {@code @Fork}'s, and with it the flag that turns docref's bounds
     * checks off: such a fork used to time docref with its checks on, without a word. Now its docref trial fails,
     * saying so, and one that sets the property itself runs. Forks a JVM per run (a few seconds each).
     */
    @Test
    void aForkWhoseOwnPrependDropsTheBoundsCheckFlagFailsSayingSo(@TempDir final Path dir) throws Exception
    {
        final Path dropped = dir.resolve("dropped.txt");
        final RunnerException ex = assertThrows(RunnerException.class,
            () -> forkedRun(dropped, "-Ddocref.bench.test=1"));
        final String output = Files.readString(dropped, StandardCharsets.UTF_8);
        assertTrue(output.contains("# VM options: -Ddocref.bench.test=1 -Xmx256m"), output);
        assertTrue(output.contains("this fork runs presized with docref's bounds checks on: it does not set " +
            "-Ddocref.disable.bounds.checks") && output.contains("Add -Ddocref.disable.bounds.checks=true to your " +
            "-jvmArgsPrepend"), ex + "\n" + output);

        final Path kept = dir.resolve("kept.txt");
        final Collection<RunResult> results =
            forkedRun(kept, "-Ddocref.bench.test=1 -Ddocref.disable.bounds.checks=true");
        assertEquals(1, results.size(), Files.readString(kept, StandardCharsets.UTF_8));
    }

    private static Collection<RunResult> forkedRun(final Path output, final String prepend) throws RunnerException
    {
        return new Runner(new OptionsBuilder()
            .include("^" + GetHitBenchmark.class.getName().replace(".", "\\.") + "\\.")
            .param("kind", "presized")
            .param("size", "1000")
            .forks(1)
            .jvmArgsPrepend(prepend.split(" "))
            .jvmArgs("-Xmx256m")
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(20))
            .shouldFailOnError(true)
            .output(output.toString())
            .build()).run();
    }

    /** The class's own {@code @Fork}, else its nearest superclass's. */
    private static Fork forkOf(final Class<?> type)
    {
        for (Class<?> c = type; c != null; c = c.getSuperclass())
        {
            final Fork fork = c.getDeclaredAnnotation(Fork.class);
            if (fork != null)
            {
                return fork;
            }
        }
        return null;
    }
}
