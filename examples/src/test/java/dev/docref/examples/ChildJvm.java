package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A test's run of one example's {@code main} in a JVM of its own, with this JVM's class path, and what it printed.
 * <p>
 * Standard output and standard error are kept apart and written to files, read only once the child has exited: a
 * child that hangs fails the test after {@code timeout} and is killed, rather than blocking a read of its pipe. The
 * lines the JVM itself prints, not the example ({@code Picked up JAVA_TOOL_OPTIONS: ...} when that variable is set,
 * {@code OpenJDK 64-Bit Server VM warning: ...}), are dropped from both.
 * <p>
 * <b>Thread-safety:</b> a value. The files are in the caller's directory, which the caller owns.
 *
 * @param exitValue the child's exit status.
 * @param out       what it printed to standard output, without the JVM's own lines.
 * @param err       what it printed to standard error, without the JVM's own lines.
 */
record ChildJvm(int exitValue, String out, String err)
{
    /** A line the JVM prints on its own, with its line end. */
    private static final Pattern JVM_LINE =
        Pattern.compile("(?m)^(Picked up |OpenJDK 64-Bit Server VM warning).*(\\R|\\z)");

    /**
     * @param files     a directory for the two output files, which are named after the class.
     * @param workDir   the child's working directory.
     * @param mainClass the class whose {@code main} to run.
     * @param args      its arguments.
     */
    static ChildJvm run(final Path files, final Path workDir, final Duration timeout, final Class<?> mainClass,
        final String... args) throws IOException, InterruptedException
    {
        return run(files, workDir, timeout, List.of(), mainClass, args);
    }

    /** @param jvmOptions options for the child's {@code java}, before its class path. */
    static ChildJvm run(final Path files, final Path workDir, final Duration timeout, final List<String> jvmOptions,
        final Class<?> mainClass, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        final Path out = Files.createTempFile(files, mainClass.getSimpleName() + "-", ".out");
        final Path err = Files.createTempFile(files, mainClass.getSimpleName() + "-", ".err");
        final Process process = new ProcessBuilder(command).directory(workDir.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(mainClass.getSimpleName() + " " + String.join(" ", args) + " did not exit in " + timeout +
                "; it printed:\n" + Files.readString(out, StandardCharsets.UTF_8) +
                Files.readString(err, StandardCharsets.UTF_8));
        }
        return new ChildJvm(process.exitValue(), printedByTheExample(out), printedByTheExample(err));
    }

    private static String printedByTheExample(final Path file) throws IOException
    {
        return JVM_LINE.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll("");
    }
}
