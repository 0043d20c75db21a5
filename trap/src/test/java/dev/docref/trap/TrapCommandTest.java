package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrapCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return TrapCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> badArguments()
    {
        final String self = Long.toString(ProcessHandle.current().pid());
        return Stream.of(
            Arguments.of(List.of(), "no command given"),
            Arguments.of(List.of("trap"), "unknown command \"trap\""),
            Arguments.of(List.of("watch"), "watch needs --pid PID"),
            Arguments.of(List.of("watch", "--pid"), "--pid needs a value"),
            Arguments.of(List.of("watch", "--pid", self), "watch needs --probe-cmd"),
            Arguments.of(List.of("watch", "--pid", "abc", "--probe-cmd", "true"), "--pid abc is not a process id"),
            Arguments.of(List.of("watch", "--pid", "999999999", "--probe-cmd", "true"), "--pid 999999999: no such"),
            Arguments.of(List.of("watch", "--pid", self, "--pid", self, "--probe-cmd", "true"), "--pid is given twice"),
            Arguments.of(List.of("watch", "--pid", self, "--probe-cmd", "true", "--frobnicate"),
                "unknown option \"--frobnicate\""),
            Arguments.of(List.of("watch", "--pid", self, "--probe-cmd", "true", "--probe-interval", "5 parsecs"),
                "--probe-interval = \"5 parsecs\" has an unknown unit"),
            Arguments.of(List.of("watch", "--pid", self, "--probe-cmd", "true", "--capture-duration", "2s",
                "--probe-deadline", "3s"), "must be shorter than docref.trap.capture.duration"),
            Arguments.of(List.of("flamegraph"), "flamegraph takes one argument"),
            Arguments.of(List.of("flamegraph", "a", "b"), "flamegraph takes one argument"),
            Arguments.of(List.of("flamegraph", "/no/such/file.folded"), "is not a file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void badArgumentsPrintTheProblemAndTheUsageAndExit2(final List<String> args, final String problem)
    {
        assertEquals(TrapCommand.USAGE, run(args.toArray(String[]::new)));

        assertTrue(err().startsWith("error: "), err());
        assertTrue(err().contains(problem), err());
        assertTrue(err().contains("Usage:\n  java -jar docref-trap.jar watch --pid PID"), err());
        assertEquals("", out());
    }

    @Test
    void helpPrintsTheUsageAndExits0()
    {
        assertEquals(TrapCommand.OK, run("--help"));
        assertTrue(out().startsWith("Usage:"), out());
    }

    @Test
    void flamegraphWritesAnSvgOfAFoldedFileToStandardOutput() throws Exception
    {
        final Path folded = dir.resolve("in.folded");
        Files.writeString(folded, "java;a;futex_wait_[k] 300\njava;b 100\n");

        assertEquals(TrapCommand.OK, run("flamegraph", folded.toString()));

        assertEquals("svg", TrapTesting.xml(out()).getDocumentElement().getLocalName());
        assertTrue(out().contains("<title>futex_wait [kernel] (300 us, 75.00%)</title>"), out());
    }

    @Test
    void flamegraphOfAFileThatIsNotStacksNamesTheLineAndExits1() throws Exception
    {
        final Path folded = dir.resolve("bad.folded");
        Files.writeString(folded, "java;a 1\nnot a stack\n");

        assertEquals(TrapCommand.FAILED, run("flamegraph", folded.toString()));

        assertTrue(err().contains("line 2 \"not a stack\" is not a folded stack"), err());
    }

    @Test
    void watchOnceCapturesAProcessWhoseProbeFailsAndPrintsTheCaptureDirectory() throws Exception
    {
        final Process target = new ProcessBuilder("sleep", "60").start();
        final String previous = System.setProperty(FreezeTrap.COMMAND_PROP_NAME, "printf 'sleep;pid{pid} 5\\n'");
        try
        {
            final int code = run("watch", "--pid", Long.toString(target.pid()), "--probe-cmd", "exit 3",
                "--probe-interval", "50ms", "--probe-deadline", "1s", "--capture-duration", "2s", "--dir",
                dir.toString(), "--once");

            assertEquals(TrapCommand.OK, code, err());
            final Path capture = Path.of(out().strip());
            assertTrue(capture.getFileName().toString().endsWith("-probe-failures"), capture.toString());
            assertEquals(dir, capture.getParent());
            assertEquals("sleep;pid" + target.pid() + " 5\n", Files.readString(capture.resolve(Capture.FOLDED)));
            assertTrue(TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON)).get("detail").asText()
                .contains("probe command 'exit 3' exited with 3"));
            assertTrue(err().contains("docref-trap: watching pid " + target.pid()), err());
        }
        finally
        {
            restore(previous);
            TrapTesting.stop(target);
        }
    }

    @Test
    void watchExits1WhenTheWatchedProcessExits() throws Exception
    {
        final Process target = new ProcessBuilder("sleep", "1").start();

        final int code = run("watch", "--pid", Long.toString(target.pid()), "--probe-cmd", "true", "--dir",
            dir.toString());

        assertEquals(TrapCommand.FAILED, code);
        assertTrue(err().contains("docref-trap: process " + target.pid() + " exited"), err());
    }

    private static void restore(final String previous)
    {
        if (previous == null)
        {
            System.clearProperty(FreezeTrap.COMMAND_PROP_NAME);
        }
        else
        {
            System.setProperty(FreezeTrap.COMMAND_PROP_NAME, previous);
        }
    }
}
