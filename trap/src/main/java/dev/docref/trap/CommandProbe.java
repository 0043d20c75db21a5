package dev.docref.trap;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link HealthProbe} that runs a shell command: exit status 0 means healthy.
 * <p>
 * The command runs through {@code /bin/sh -c} with standard input from {@code /dev/null} and its output discarded,
 * e.g. {@code psql -qAtc 'select 1'} or {@code curl -sf http://localhost:8080/health}. A command still running after
 * {@code killAfter} is killed with its children and counts as a failure; the trap's watchdog has normally fired
 * long before, at the probe deadline.
 * <b>Thread-safety:</b> stateless apart from its settings; one check at a time per caller thread.
 */
public final class CommandProbe implements HealthProbe
{
    private final String command;
    private final Duration killAfter;

    /**
     * @param command   the shell command.
     * @param killAfter how long a run may take before it is killed.
     */
    public CommandProbe(final String command, final Duration killAfter)
    {
        if (Objects.requireNonNull(command, "command").isBlank())
        {
            throw new IllegalArgumentException("the probe command is empty: give a shell command that exits 0 " +
                "when the service is healthy");
        }
        if (killAfter.isNegative() || killAfter.isZero())
        {
            throw new IllegalArgumentException("killAfter = " + killAfter + ": must be positive");
        }
        this.command = command;
        this.killAfter = killAfter;
    }

    @Override
    public void check() throws IOException, InterruptedException, TimeoutException
    {
        final Process process = new ProcessBuilder(List.of("/bin/sh", "-c", command))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        try
        {
            if (!process.waitFor(killAfter.toNanos(), TimeUnit.NANOSECONDS))
            {
                ToolRun.kill(process);
                throw new TimeoutException("probe command '" + command + "' was still running after " + killAfter +
                    " and was killed");
            }
        }
        catch (final InterruptedException ex)
        {
            ToolRun.kill(process);
            throw ex;
        }
        if (process.exitValue() != 0)
        {
            throw new IOException("probe command '" + command + "' exited with " + process.exitValue());
        }
    }

    /** @return the shell command. */
    public String command()
    {
        return command;
    }

    @Override
    public String toString()
    {
        return "CommandProbe{" + command + "}";
    }
}
