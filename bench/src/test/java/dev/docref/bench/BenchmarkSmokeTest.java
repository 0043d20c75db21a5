package dev.docref.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Smoke run of every JMH benchmark class so that the benchmarks cannot rot: one 100 ms iteration per map, no
 * warm-up, in this JVM (0 forks, so bounds checks stay on), at {@value #SIZE} entries. Not for timing: it checks that
 * each benchmark sets up (each set-up verifies its map's contents), runs and reports a score for every map.
 */
class BenchmarkSmokeTest
{
    /** The smallest size every benchmark accepts: whole chunks, and whole chunks in half of it (remove). */
    static final int SIZE = 2 * MapBenchmark.CHUNK * 5;

    @ParameterizedTest(name = "{0}")
    @ValueSource(classes = {GetHitBenchmark.class, GetMissBenchmark.class, PutPresizedBenchmark.class,
        PutGrowingBenchmark.class, RemoveBenchmark.class, IterateBenchmark.class})
    void everyMapRunsOneIterationAndReportsAScore(final Class<?> benchmark) throws RunnerException
    {
        final Collection<RunResult> results = new Runner(new OptionsBuilder()
            .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
            .param("size", Integer.toString(SIZE))
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(100))
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT)
            .build()).run();

        final List<String> kinds = new ArrayList<>();
        for (final RunResult result : results)
        {
            kinds.add(result.getParams().getParam("kind"));
            final double score = result.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score),
                benchmark.getSimpleName() + " " + result.getParams().getParam("kind") + " scored " + score);
        }
        final List<String> expected = new ArrayList<>();
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            expected.add(kind.id());
        }
        assertEquals(expected, kinds, "one result per map, in @Param order");
    }
}
