package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jdk.jfr.consumer.RecordingFile;

class JvmEvidenceTest
{
    private final EvidenceReader evidence = new EvidenceReader();

    @AfterEach
    void closeEvidenceReader()
    {
        evidence.close();
    }

    @Test
    void aThreadDumpOfAnotherJvmComesFromJcmdWithItsBlockedThreadsAndLocks() throws Exception
    {
        final Process child = TrapTesting.childJvm(FreezingService.class, "0", "60000", "100");
        try
        {
            final BufferedReader out = TrapTesting.stdout(child);
            TrapTesting.awaitLine(out, "FREEZE", Duration.ofSeconds(20));
            Thread.sleep(300);

            assertTrue(JvmEvidence.isJvm(child.pid()));
            final String dump = JvmEvidence.threadDump(child.pid(), Duration.ofSeconds(20), evidence);

            assertTrue(dump.contains("\"holder\""), dump);
            assertTrue(dump.contains("\"blocked-0\""), dump);
            assertTrue(dump.contains("java.lang.Thread.State: BLOCKED (on object monitor)"), dump);
            assertTrue(dump.contains("- waiting to lock <"), dump);
        }
        finally
        {
            TrapTesting.stop(child);
        }
    }

    @Test
    void aContinuousRecordingOfAnotherJvmIsStartedAndDumpedThroughJcmd(@TempDir final Path dir) throws Exception
    {
        final Process child = TrapTesting.childJvm(FreezingService.class, "60000", "1", "1000");
        try
        {
            TrapTesting.awaitLine(TrapTesting.stdout(child), "PORT", Duration.ofSeconds(20));
            final Path file = dir.resolve(Capture.JFR);

            try (ContinuousRecording recording = ContinuousRecording.start(child.pid()))
            {
                assertNull(recording.dump(file));
            }

            assertFalse(RecordingFile.readAllEvents(file).isEmpty(), "the child JVM wrote a real recording");
        }
        finally
        {
            TrapTesting.stop(child);
        }
    }

    @Test
    void aProcessThatIsNotAJvmGetsNoThreadDumpButItsMemory() throws Exception
    {
        final Process sleep = new ProcessBuilder("sleep", "30").start();
        try
        {
            assertFalse(JvmEvidence.isJvm(sleep.pid()));
            assertTrue(JvmEvidence.threadDump(sleep.pid(), Duration.ofSeconds(5), evidence).contains("is not a JVM"));
            final String memory = JvmEvidence.memory(sleep.pid(), Duration.ofSeconds(5), evidence);
            assertTrue(memory.contains("==> /proc/" + sleep.pid() + "/status <=="), memory);
            assertTrue(memory.contains("Name:\tsleep"), memory);
            assertTrue(memory.contains("==> /proc/" + sleep.pid() + "/smaps_rollup <=="), memory);
            assertTrue(memory.contains("Rss:"), memory);
        }
        finally
        {
            TrapTesting.stop(sleep);
        }
    }

    @Test
    void thisJvmsDumpHasEveryFrameNotJustTheFirstEight() throws Exception
    {
        final String dump = deep(20);

        assertTrue(dump.contains("\"" + Thread.currentThread().getName() + "\""), "this thread is in the dump");
        assertTrue(dump.contains("java.lang.Thread.State: RUNNABLE"));
        final long depthFrames = dump.lines().filter(l -> l.contains("JvmEvidenceTest.deep(")).count();
        assertTrue(depthFrames >= 21, depthFrames + " frames of deep()");
    }

    /** ThreadInfo has no tid in JDK 17; this JVM's threadPrint through the DiagnosticCommand MBean has it. */
    @Test
    void thisJvmsThreadsAreNamedByTheirTid() throws Exception
    {
        // "/proc/thread-self" links to "PID/task/TID".
        final long tid = Long.parseLong(java.nio.file.Files.readSymbolicLink(Path.of("/proc/thread-self"))
            .getFileName().toString());

        assertEquals(Thread.currentThread().getName(),
            JvmEvidence.javaThreadsByTid(JvmEvidence.threadPrintThisJvm()).get(tid));
    }

    /** JDK 19 and later print the nid in decimal. */
    @Test
    void aDecimalNidIsATidToo()
    {
        assertEquals(java.util.Map.of(5011L, "main", 5122L, "a \"quoted\" name"), JvmEvidence.javaThreadsByTid(
            "\"main\" #1 [5011] prio=5 os_prio=0 cpu=1.2ms elapsed=7.82s tid=0x00007f1504018020 nid=5011 waiting\n" +
            "\"a \"quoted\" name\" #12 daemon prio=5 os_prio=0 tid=0x00007f15043fa300 nid=5122 waiting\n"));
    }

    private static String deep(final int n)
    {
        return n == 0 ? JvmEvidence.dumpThisJvm() : deep(n - 1);
    }
}
