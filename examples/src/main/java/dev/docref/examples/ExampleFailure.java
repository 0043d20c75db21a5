package dev.docref.examples;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * A failure an example expects and explains: input it can only check once it runs (a bad {@code docref.*} system
 * property), or a problem of its environment it recognises (a file it cannot write, a trap directory it cannot use).
 * Its message says what happened and what to do, so a {@code main} prints it alone, as one error line, and exits
 * with {@link #EXIT_STATUS}. An exception of any other type is a bug, and keeps its stack trace.
 * <p>
 * <b>Thread-safety:</b> an exception; not changed once thrown.
 */
final class ExampleFailure extends Exception
{
    /** The exit status of a run that ended in an expected failure; 2 stays for bad arguments. */
    static final int EXIT_STATUS = 1;

    private static final long serialVersionUID = 1L;

    /** @param message what failed and what to do about it: all the user is shown. */
    ExampleFailure(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed and what to do about it: all the user is shown, so it should hold what of the cause
     *                matters.
     * @param cause   kept for a debugger, not printed.
     */
    ExampleFailure(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    /**
     * Makes a call that reads what the user set, whose {@link IllegalArgumentException} is the user's to fix: a bad
     * {@code docref.trap.*} or {@code docref.guard.*} system property ({@code FreezeTrap.builder()},
     * {@code AllocationGuard.global()}), or a trap directory this process cannot use ({@code FreezeTrap.start()}).
     * Their messages name the property or directory, the value and what is accepted. Only such calls go through here:
     * an {@code IllegalArgumentException} from the examples' own values is a bug.
     *
     * @return what {@code call} returns.
     * @throws ExampleFailure with the refusal's message.
     */
    static <T> T ofSettings(final Supplier<T> call) throws ExampleFailure
    {
        try
        {
            return call.get();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ExampleFailure(ex.getMessage(), ex);
        }
    }

    /**
     * Prints the failure as a {@code main} ends with it: {@code <program>: <message>}, one line.
     *
     * @param program the example's command name, e.g. {@code incident-replay}.
     * @return {@link #EXIT_STATUS}.
     */
    int print(final String program, final PrintStream err)
    {
        err.println(program + ": " + getMessage());
        return EXIT_STATUS;
    }
}
