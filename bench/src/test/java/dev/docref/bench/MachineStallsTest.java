package dev.docref.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MachineStallsTest
{
    private static final long MS = 1_000_000L;

    @Test
    void aSchedstatLineGivesOnCpuTimeAndRunDelay()
    {
        final byte[] line = "8123456789 104857600 4242\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(8_123_456_789L, SchedStat.field(line, line.length, 0));
        assertEquals(104_857_600L, SchedStat.field(line, line.length, 1));
        final byte[] bad = "8123456789\n".getBytes(StandardCharsets.US_ASCII);
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> SchedStat.field(bad, bad.length, 1));
        assertTrue(ex.getMessage().contains("'8123456789'") && ex.getMessage().contains("field 1"), ex.getMessage());
    }

    @Test
    void thisThreadsStatisticsOnlyGrow() throws Exception
    {
        assumeTrue(SchedStat.unsupportedReason() == null, SchedStat.unsupportedReason());
        try (SchedStat stat = SchedStat.openForThisThread())
        {
            final long cpu = stat.cpuNanos;
            final long delay = stat.runDelayNanos;
            long sink = 0;
            for (int i = 0; i < 5_000_000; i++)
            {
                sink += i * 31L;
            }
            stat.read();
            assertTrue(stat.cpuNanos > cpu, "the loop ran on a CPU: " + cpu + " then " + stat.cpuNanos + " " + sink);
            assertTrue(stat.runDelayNanos >= delay);
        }
    }

    @Test
    void aKernelCpuListNamesEveryCpu()
    {
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 10, 11}, MachineStalls.parseCpuList("0-3,8,10-11"));
        assertArrayEquals(new int[] {0}, MachineStalls.parseCpuList("0"));
        assertThrows(IllegalArgumentException.class, () -> MachineStalls.parseCpuList("3-1"));
        assertTrue(MachineStalls.allowedCpus().length >= 1);
    }

    @Test
    void aWindowCountsTheLateWakeUpsInItAndTheirUnseenParts()
    {
        final MachineStalls stalls = MachineStalls.of(List.of(
            new MachineStalls.Stall(100 * MS, 2 * MS, 0),             // late, but the scheduler saw all of it
            new MachineStalls.Stall(200 * MS, 3 * MS, 3 * MS / 2),    // 1.5 ms unseen
            new MachineStalls.Stall(300 * MS, 12 * MS, 11 * MS),      // 11 ms unseen
            new MachineStalls.Stall(900 * MS, 40 * MS, 40 * MS)));    // outside the window below
        final MachineStalls.Summary summary = stalls.summary(50 * MS, 500 * MS);
        assertEquals(3, summary.late);
        assertEquals(2, summary.unseen1ms);
        assertEquals(1, summary.unseen5ms);
        assertEquals(11 * MS, summary.longestUnseenNanos);
        assertEquals(4, stalls.summary(0, Long.MAX_VALUE).late);

        final String report = MachineStalls.report(stalls, 0, 1_000 * MS, 2);
        assertTrue(report.contains("wake-ups at least 1 ms late: 4") && report.contains("at least 5 ms: 2") &&
            report.contains("longest unseen stall: 40.000 ms"), report);
        assertTrue(report.indexOf("40.000 ms") < report.indexOf("11.000 ms") && !report.contains("1.500 ms  "),
            "longest first, only unseen stalls of 1 ms or more: " + report);
    }

    @Test
    void anOperationIsStalledForItsLongestOverlapWithOneUnseenStall()
    {
        // Unseen parts sit just before each wake-up: [289, 300] ms and, on another CPU, [292, 302] ms.
        final MachineStalls stalls = MachineStalls.of(List.of(
            new MachineStalls.Stall(300 * MS, 12 * MS, 11 * MS),
            new MachineStalls.Stall(302 * MS, 10 * MS, 10 * MS),
            new MachineStalls.Stall(400 * MS, 30 * MS, MS / 2)));     // under 1 ms unseen: not a machine stall
        assertEquals(11 * MS, stalls.stalledWithin(280 * MS, 310 * MS), "a stall inside it, overlaps not summed");
        assertEquals(5 * MS, stalls.stalledWithin(295 * MS, 297 * MS + 3 * MS), "partly inside");
        assertEquals(2 * MS, stalls.stalledWithin(287 * MS, 291 * MS), "the stall's first 2 ms");
        assertTrue(stalls.stalledWithin(303 * MS, 350 * MS) <= 0, "after both");
        assertTrue(stalls.stalledWithin(380 * MS, 420 * MS) <= 0, "a late wake-up the scheduler saw is not one");
    }

    @Test
    void theMeterWakesRecordsOnlyLateWakeUpsAndMustBeStoppedBeforeItIsRead() throws Exception
    {
        assumeTrue(MachineStalls.unsupportedReason() == null, MachineStalls.unsupportedReason());
        final MachineStalls meter = MachineStalls.start(2);
        assertThrows(IllegalStateException.class, () -> meter.summary(0, Long.MAX_VALUE));
        // Wait for a wake-up rather than a fixed time: on a loaded machine the pinned threads may start late.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (meter.wakeUps() == 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertSame(meter, meter.stop());
        assertSame(meter, meter.stop(), "stopping twice is harmless");
        assertTrue(meter.wakeUps() > 0, "the threads woke");
        for (final MachineStalls.Stall stall : meter.stalls())
        {
            assertTrue(stall.lateNanos >= MachineStalls.THRESHOLD_NANOS, "only late wake-ups are kept");
            assertTrue(stall.unseenNanos >= 0 && stall.unseenNanos <= stall.lateNanos, "unseen is part of late");
        }
        assertEquals(0, meter.dropped());
    }

    @Test
    void badOptionsAreRejectedNamingTheValueAndTheLimit()
    {
        final IllegalArgumentException seconds = assertThrows(IllegalArgumentException.class,
            () -> MachineStalls.parseOptions(new String[] {"--seconds", "0"}));
        assertTrue(seconds.getMessage().contains("--seconds") && seconds.getMessage().contains("0") &&
            seconds.getMessage().contains("86400"), seconds.getMessage());
        final IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
            () -> MachineStalls.parseOptions(new String[] {"--threads", "many"}));
        assertTrue(threads.getMessage().contains("'many'"), threads.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MachineStalls.start(0));
        assertEquals(5, MachineStalls.parseOptions(new String[] {"--seconds", "5"})[0]);
    }

    @Test
    void moreMeterThreadsThanCpusAreRefusedNamingTheLimit()
    {
        // Threads past one per CPU would share CPUs, while the report called them one pinned to each CPU.
        final int cpus = Math.min(64, MachineStalls.allowedCpus().length);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> MachineStalls.parseOptions(new String[] {"--threads", Integer.toString(cpus + 1)}));
        assertTrue(ex.getMessage().startsWith("--threads must be from 1 to " + cpus + " (one meter thread pinned to " +
            "each CPU") && ex.getMessage().endsWith("but was " + (cpus + 1)), ex.getMessage());
        assertEquals(cpus, MachineStalls.parseOptions(new String[] {"--threads", Integer.toString(cpus)})[1]);
        assertEquals(cpus, MachineStalls.parseOptions(new String[0])[1], "the default: one per CPU");
    }

    @Test
    void aMeterOnFewerCpusThanTheProcessMayUseSaysHowMany() throws Exception
    {
        assumeTrue(MachineStalls.unsupportedReason() == null, MachineStalls.unsupportedReason());
        final int cpus = MachineStalls.allowedCpus().length;
        assumeTrue(cpus >= 2, "one CPU: a single thread meters all of them");
        final long from = System.nanoTime();
        final MachineStalls meter = MachineStalls.start(1);
        // The thread pins itself with taskset as it starts; stopping it sooner would interrupt that. Not a timing.
        for (int i = 0; i < 1_000 && !meter.pinned(); i++)
        {
            Thread.sleep(10);
        }
        meter.stop();
        assumeTrue(meter.pinned(), "taskset pinned no thread here");
        final String report = MachineStalls.report(meter, from, System.nanoTime(), 1);
        assertTrue(report.contains("1 meter thread (one pinned to each of 1 of the " + cpus + " CPUs this process " +
            "may use, so a stall of another CPU may go unseen)"), report);
    }

    @Test
    void theWordingSaysHowManyOfHowManyCpusWereMeteredPastTheSixtyFourThreadLimit()
    {
        // start() pins at most 64 threads: on 128 CPUs, half have no meter, which "one pinned to each CPU" hid.
        assertEquals("64 meter threads (one pinned to each of 64 of the 128 CPUs this process may use, the meter's " +
            "most, so a stall of another CPU may go unseen)", MachineStalls.meterThreads(true, 64, 128));
        assertEquals("64 meter threads (one pinned to each of the 64 CPUs this process may use)",
            MachineStalls.meterThreads(true, 64, 64));
        assertEquals("2 meter threads (one pinned to each of 2 of the 8 CPUs this process may use, so a stall of " +
            "another CPU may go unseen)", MachineStalls.meterThreads(true, 2, 8));
        assertEquals("1 meter thread (pinned to the one CPU this process may use)",
            MachineStalls.meterThreads(true, 1, 1));
        assertEquals("64 meter threads (not pinned: taskset is missing or failed, so a stall of one CPU may go " +
            "unseen)", MachineStalls.meterThreads(false, 64, 128));
    }
}
