package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report file that cannot be written once the replay has run: the error must say which, and what is stale. */
class ReportWritingTest
{
    /**
     * A full disk, as {@code /dev/full} is, fails the write with "No space left on device" and no file name; the demo
     * printed only that, at the end of a run that may have taken minutes, with an earlier run's report left beside it.
     * It then printed the message with a stack trace, as for a bug; now it is the one line that ends the run.
     */
    @Test
    void aReportFileThatCannotBeWrittenIsNamedWithTheFilesThisRunDidNotWrite(@TempDir final Path dir)
        throws IOException
    {
        final Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "no /dev/full here");
        final Path out = Files.createDirectories(dir.resolve("report"));
        final Path svg = Files.createSymbolicLink(out.resolve(IncidentReplay.REPORT_SVG), full);
        Files.writeString(out.resolve(IncidentReplay.REPORT_HTML), "an earlier run's report");

        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int exit = IncidentReplayTest.run(stdout, stderr, "--entries", "1000", "--maps", "docref",
            "--guard-limit", "1GiB", "--capture-duration", "1s", "--out", out.toString());
        final String printed = stderr.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, printed);
        assertFalse(printed.contains("\tat "), "a stack trace for a failure the demo explains:\n" + printed);
        assertTrue(printed.contains("incident-replay: cannot write " + svg + " (java.io.IOException: No space left " +
            "on device), so the report is not complete: incident-report.svg is cut short or as it was, and " +
            "incident-report.html was not written (any of them there before are an earlier run's); the table above " +
            "has this run's figures. Free space in " + out + " or give another --out"), printed);
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("docref PresizedDocRefMap"),
            "the table was printed before");
        assertTrue(Files.readString(out.resolve(IncidentReplay.REPORT_CSV)).startsWith("map,entries,"));
    }
}
