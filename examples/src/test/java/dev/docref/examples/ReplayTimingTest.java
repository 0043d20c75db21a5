package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the demo's timings hold when docref's own allocations cross the guard's limit, a setting other than the
 * default (a {@code --guard-limit} under its 128 KiB blocks, or an {@code --entries} small enough that the scaled
 * limit is): the guard then warns inside docref's puts, its log and the trap's start are timed in them, and the
 * report must say so rather than report no time spent on the guard and the trap.
 */
class ReplayTimingTest
{
    @Test
    void guardWarningsInsideDocrefsPutsAreReportedAsTimedInThosePuts(@TempDir final Path dir) throws IOException
    {
        final Path out = dir.resolve("report");
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int exit = IncidentReplayTest.run(stdout, stderr, "--entries", "100000", "--maps", "docref",
            "--guard-limit", "64KiB", "--capture-duration", "1s", "--out", out.toString());
        final String printed = stdout.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, stderr.toString(StandardCharsets.UTF_8));

        final List<String> csv = Files.readAllLines(out.resolve(IncidentReplay.REPORT_CSV));
        final List<String> header = List.of(csv.get(0).split(","));
        final String[] docref = csv.get(1).split(",");
        final long warnings = Long.parseLong(docref[header.indexOf("guard_warnings")]);
        final long insidePuts = Long.parseLong(docref[header.indexOf("guard_warnings_in_puts")]);
        assertTrue(insidePuts >= 1 && insidePuts <= warnings, csv.toString());
        assertEquals("0", docref[header.indexOf("ingest_paused_ns")], "docref's ingest never waits between puts");

        final String done = printed.lines().filter(line -> line.startsWith("  done: ")).findFirst().orElseThrow();
        assertTrue(done.contains(String.format("; %d guard warning%s inside its puts, timed with them (the guard's " +
            "log, the trap's start)", insidePuts, insidePuts == 1 ? "" : "s")), done);
        assertFalse(done.contains("paused"), "docref's ingest did not pause; its guard work is in its puts: " + done);
        assertTrue(printed.contains(insidePuts + " of these warnings " + (insidePuts == 1 ? "was" : "were") +
            " made inside its puts"), printed);
        assertTrue(printed.contains(IncidentReport.WHAT_PUTS_HOLD), printed);
        assertTrue(Files.readString(out.resolve(IncidentReplay.REPORT_HTML)).contains("made inside its puts"));
    }
}
