package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.docref.trap.StallSplit.Part;

/** {@link StallSplit}'s arithmetic and text, and the readers of {@link StallCounters.Standard}. */
class StallSplitTest
{
    private static final long MS = 1_000_000L;

    private static long[] grown(final long cpuMillis, final long gcMillis, final long stealMillis)
    {
        final long[] nanos = new long[Part.values().length];
        nanos[Part.WAITING_FOR_CPU.ordinal()] = cpuMillis * MS;
        nanos[Part.GC_PAUSE.ordinal()] = gcMillis * MS;
        nanos[Part.STOLEN_BY_HOST.ordinal()] = stealMillis * MS;
        return nanos;
    }

    @Test
    void partsThatGrewMoreThanTheStallAreCappedInOrderSoThatTheyAddUpToIt()
    {
        final StallSplit split = new StallSplit(3_020 * MS, grown(2_000, 800, 1_000), new String[3]);

        assertEquals(Duration.ofMillis(2_000), split.of(Part.WAITING_FOR_CPU));
        assertEquals(Duration.ofMillis(800), split.of(Part.GC_PAUSE));
        assertEquals(Duration.ofMillis(220), split.of(Part.STOLEN_BY_HOST), "what was left of the stall");
        assertEquals(Duration.ZERO, split.unexplained());
        assertEquals("2,000 ms waiting for a CPU, 800 ms in GC pauses, 220 ms stolen by the host, 0 ms unexplained",
            split.toString());
    }

    @Test
    void aCounterThatWentBackCountsZero()
    {
        final StallSplit split = new StallSplit(500 * MS, grown(-5, 0, 0), new String[3]);

        assertEquals(Duration.ZERO, split.of(Part.WAITING_FOR_CPU));
        assertEquals(Duration.ofMillis(500), split.unexplained());
    }

    /** Milliseconds rounded down part by part, the rest to the unexplained part: the summary's figures add up. */
    @Test
    void theSummaryMapsWholeMillisecondsThatAddUpToTheStall() throws Exception
    {
        final StallSplit split = new StallSplit(3_020 * MS + 900_000, new long[] {2_900 * MS + 600_000, 400_000,
            700_000}, new String[3]);

        final Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("known", true);
        expected.put("waitingForCpuMillis", 2_900L);
        expected.put("gcPauseMillis", 0L);
        expected.put("stolenByHostMillis", 0L);
        expected.put("unexplainedMillis", 120L);
        expected.put("unavailable", Map.of());
        expected.put("text", "2,900 ms waiting for a CPU, 0 ms in GC pauses, 0 ms stolen by the host, 120 ms " +
            "unexplained");
        assertEquals(expected, split.toMap());
        final ObjectMapper json = new ObjectMapper();
        assertEquals(json.valueToTree(expected).toString(), json.readTree(Json.write(split.toMap())).toString(),
            "summary.json's form");
    }

    @Test
    void aPartNotMeasuredCountsZeroSaysWhyAndItsShareIsUnexplained()
    {
        final String why = "cannot read /proc/stat (java.nio.file.NoSuchFileException: /proc/stat): it needs Linux";
        final StallSplit split = new StallSplit(1_000 * MS, grown(300, 0, 700), new String[] {null, null, why});

        assertEquals(Duration.ZERO, split.of(Part.STOLEN_BY_HOST));
        assertEquals(why, split.unavailable(Part.STOLEN_BY_HOST));
        assertNull(split.unavailable(Part.WAITING_FOR_CPU));
        assertEquals(Duration.ofMillis(700), split.unexplained());
        assertEquals("300 ms waiting for a CPU, 0 ms in GC pauses, 700 ms unexplained; stolen by the host not " +
            "measured: " + why, split.toString());
        final Map<String, Object> map = split.toMap();
        assertTrue(map.containsKey("stolenByHostMillis"));
        assertNull(map.get("stolenByHostMillis"));
        assertEquals(Map.of("stolenByHost", why), map.get("unavailable"));
        assertEquals(700L, map.get("unexplainedMillis"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "8123456789 104857600 2093|0|8123456789",
        "8123456789 104857600 2093|1|104857600",
        "cpu  6312802 0 1196230 5259393 5331 0 42223 977 0 0|8|977",
        "cpu  6312802 0 1196230 5259393 5331 0 42223 977 0 0|1|6312802",
        "cpu  6312802 0 1196230 5259393 5331 0 42223|8|-1",
        "cpu  6312802 0 1196230 5259393 5331 0 42223 x7 0 0|8|-1",
        "cpu  6312802 0 1196230 5259393 5331 0 42223 97x 0 0|8|-1",
        "cpu|0|-1",
        "''|0|-1" })
    void aFieldOfAProcLineIsItsNthNumberOrMinusOne(final String line, final int field, final long expected)
    {
        final byte[] bytes = (line + "\ncpu0 1 2 3 4 5 6 7 8 9 10\n").getBytes(StandardCharsets.US_ASCII);

        assertEquals(expected, ProcCounterFile.field(bytes, bytes.length, field));
    }

    @Test
    void aProcFileIsReadAgainFromItsStartAtEachRead(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("schedstat");
        Files.writeString(file, "100 200 3\n");
        try (ProcCounterFile counter = ProcCounterFile.open(file, 1))
        {
            assertEquals(200, counter.read(1));
            Files.writeString(file, "150 94000 4\n");
            assertEquals(94_000, counter.read(1));
            Files.writeString(file, "garbage\n");
            final Exception ex = assertThrows(java.io.IOException.class, () -> counter.read(1));
            assertEquals(file + " has no number as field 1 of its first line 'garbage'", ex.getMessage());
        }
    }

    /** Steal is in USER_HZ ticks (100 a second) summed over the CPUs: per CPU, 302 ticks on 2 CPUs are 1,510 ms. */
    @Test
    void stealIsTheStealColumnInNanosecondsPerCpu(@TempDir final Path dir) throws Exception
    {
        final Path stat = dir.resolve("stat");
        Files.writeString(stat, "cpu  10 0 10 10 0 0 0 800 0 0\ncpu0 5 0 5 5 0 0 0 400 0 0\n" +
            "cpu1 5 0 5 5 0 0 0 400 0 0\nintr 1 2 3\n");
        final StallCounters counters = new StallCounters.Standard(dir.resolve("no-schedstat"), stat);
        counters.open();
        try
        {
            final long[] nanos = new long[Part.values().length];
            counters.read(nanos);
            assertEquals(4_000 * MS, nanos[Part.STOLEN_BY_HOST.ordinal()], "800 ticks / 2 CPUs = 4 s");
            Files.writeString(stat, "cpu  10 0 10 10 0 0 0 1103 0 0\ncpu0 5 0 5 5 0 0 0 551 0 0\n" +
                "cpu1 5 0 5 5 0 0 0 552 0 0\n");
            counters.read(nanos);
            assertEquals(5_515 * MS, nanos[Part.STOLEN_BY_HOST.ordinal()], "1103 ticks / 2 CPUs = 5.515 s");
            assertNull(counters.unavailable(Part.STOLEN_BY_HOST));
            assertEquals("cannot read " + dir.resolve("no-schedstat") + " (java.io.FileNotFoundException: " +
                dir.resolve("no-schedstat") + " (No such file or directory)): it needs Linux with scheduler " +
                "statistics (CONFIG_SCHED_INFO, on in distribution kernels)",
                counters.unavailable(Part.WAITING_FOR_CPU));
        }
        finally
        {
            counters.close();
        }
    }

    /**
     * A {@code /proc/stat} whose read costs 100 us, 5 times the 20 us budget per wake-up, is read at every 5th wake-up
     * only, the last value standing in between, and afresh at the wake-up that ends a stall.
     */
    @Test
    void aCostlyProcStatIsReadOnlyAsOftenAsTheBudgetAllowsAndAfreshAfterAStall(@TempDir final Path dir)
        throws Exception
    {
        final Path stat = dir.resolve("stat");
        final AtomicLong clock = new AtomicLong();
        writeStealTicks(stat, 0);
        final StallCounters counters = new StallCounters.Standard(dir.resolve("no-schedstat"), stat,
            () -> clock.addAndGet(100_000));
        counters.open();
        try
        {
            final long[] nanos = new long[Part.values().length];
            final StringBuilder seen = new StringBuilder();
            for (int wakeUp = 1; wakeUp <= 10; wakeUp++)
            {
                // 2 ticks more over 2 CPUs: 10 ms more per wake-up.
                writeStealTicks(stat, 2 * wakeUp);
                counters.read(nanos);
                seen.append(nanos[Part.STOLEN_BY_HOST.ordinal()] / MS).append(' ');
            }
            assertEquals("10 10 10 10 10 60 60 60 60 60", seen.toString().strip(), "steal in ms at wake-ups 1-10");
            writeStealTicks(stat, 22);
            counters.readAll(nanos);
            assertEquals(110 * MS, nanos[Part.STOLEN_BY_HOST.ordinal()], "read afresh at the end of a stall");
            assertNull(counters.unavailable(Part.STOLEN_BY_HOST));
        }
        finally
        {
            counters.close();
        }
    }

    /** A read of 2 ms would need a read only every 100 wake-ups (2 s): steal is not measured, and the reason says. */
    @Test
    void aProcStatTooCostlyForTheBudgetIsNotReadAndSaysWhy(@TempDir final Path dir) throws Exception
    {
        final Path stat = dir.resolve("stat");
        final AtomicLong clock = new AtomicLong();
        writeStealTicks(stat, 0);
        final StallCounters counters = new StallCounters.Standard(dir.resolve("no-schedstat"), stat,
            () -> clock.addAndGet(2_000_000));
        counters.open();
        counters.close();

        assertEquals("reading " + stat + " costs too much: a read takes 2,000 us, more than the 1,000 us that fit " +
            "the detector's budget of 20 us per wake-up at one read every 50 wake-ups (a machine with very many CPUs " +
            "or IRQs, or an old kernel); steal is not read",
            counters.unavailable(Part.STOLEN_BY_HOST));
    }

    private static void writeStealTicks(final Path stat, final long ticks) throws java.io.IOException
    {
        Files.writeString(stat, "cpu  10 0 10 10 0 0 0 " + ticks + " 0 0\ncpu0 5 0 5 5 0 0 0 0 0 0\n" +
            "cpu1 5 0 5 5 0 0 0 0 0 0\n");
    }

    @Test
    void onlyTheBeansOfCollectorsKnownToCountPausesAreRead()
    {
        final List<GarbageCollectorMXBean> g1 = beans("G1 Young Generation", "G1 Old Generation");
        assertArrayEquals(new String[] {"G1 Young Generation", "G1 Old Generation"}, names(g1));
        assertArrayEquals(new String[] {"ZGC Pauses"}, names(beans("ZGC Cycles", "ZGC Pauses")));
        assertArrayEquals(new String[] {"Shenandoah Pauses"}, names(beans("Shenandoah Pauses", "Shenandoah Cycles")));

        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> StallCounters.Standard.pauseBeans(beans("ParNew", "ConcurrentMarkSweep")));
        assertEquals("the collector bean 'ParNew' is not known to count pauses only, so GC pauses cannot be told " +
            "apart from concurrent GC work; known: G1, Parallel, Serial, ZGC, Shenandoah, Epsilon",
            unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StallCounters.Standard.pauseBeans(List.of()));
    }

    private static String[] names(final List<GarbageCollectorMXBean> beans)
    {
        return Arrays.stream(StallCounters.Standard.pauseBeans(beans)).map(GarbageCollectorMXBean::getName)
            .toArray(String[]::new);
    }

    private static List<GarbageCollectorMXBean> beans(final String... names)
    {
        return Arrays.stream(names).map(name -> (GarbageCollectorMXBean)Proxy.newProxyInstance(
            StallSplitTest.class.getClassLoader(), new Class<?>[] {GarbageCollectorMXBean.class},
            (proxy, method, args) ->
            {
                if (method.getName().equals("getName"))
                {
                    return name;
                }
                throw new UnsupportedOperationException(method.getName());
            })).collect(java.util.stream.Collectors.toList());
    }
}
