package dev.docref.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * A directory named on a command line, where an example writes its output: {@code IncidentReplay --out DIR} and the
 * small examples' optional {@code [DIR]}. It is checked before the example runs, so that a file, a path under a file
 * or a directory this user cannot write is refused with what to give instead, not met as a stack trace once the
 * example has run.
 * <p>
 * <b>Thread-safety:</b> stateless.
 */
final class DirectoryArgument
{
    private DirectoryArgument()
    {
    }

    /**
     * @param label   how the message names the argument, e.g. {@code --out} or {@code DIR}.
     * @param value   the argument.
     * @param writes  what goes into the directory, for the message: {@code "the demo writes its report and
     *                captures"}.
     * @param fix     what to give instead, for the message: {@code "e.g. --out incident-replay"}.
     * @return the directory, which need not exist yet.
     * @throws IllegalArgumentException naming the argument and why it cannot be the directory, with the fix.
     */
    static Path parse(final String label, final String value, final String writes, final String fix)
    {
        final Path dir;
        try
        {
            dir = Path.of(value);
        }
        catch (final InvalidPathException ex)
        {
            throw new IllegalArgumentException(label + " '" + value + "' is not a path (" + ex.getReason() + "); " +
                "give a directory, " + fix, ex);
        }
        if (Files.exists(dir) && !Files.isDirectory(dir))
        {
            throw new IllegalArgumentException(label + " '" + value + "' is an existing file, not a directory; " +
                writes + " into a directory, so give one, new or existing, " + fix);
        }
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing))
        {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing))
        {
            throw new IllegalArgumentException(label + " '" + value + "' cannot be created: " + existing + " is a " +
                "file, not a directory; give a directory whose parents are directories, " + fix);
        }
        if (existing != null && !Files.isWritable(existing))
        {
            throw new IllegalArgumentException(label + " '" + value + "': this user cannot write in " + existing +
                "; give a directory you can write, " + fix);
        }
        return dir;
    }

    /**
     * The command line of a small example that takes one optional argument, the directory for its output.
     *
     * @param usage      printed for {@code --help} (on {@code out}) and under an error.
     * @param tempPrefix the prefix of the temporary directory made when no directory is given.
     * @param writes     what goes into the directory, for the error message.
     * @return the directory to use, or {@code null} after printing the usage for {@code --help} or {@code -h}.
     * @throws IllegalArgumentException naming the argument, what is wrong and what to give instead.
     */
    static Path ofExample(
        final String[] args, final String usage, final String tempPrefix, final String writes, final PrintStream out)
        throws IOException
    {
        if (args.length > 1)
        {
            throw new IllegalArgumentException("it takes at most one argument, the directory, but was given " +
                args.length + ": " + String.join(" ", args) + "; give one directory, or none for a new temporary one");
        }
        if (args.length == 0)
        {
            return Files.createTempDirectory(tempPrefix);
        }
        if ("--help".equals(args[0]) || "-h".equals(args[0]))
        {
            out.println(usage);
            return null;
        }
        if (args[0].startsWith("-"))
        {
            throw new IllegalArgumentException("unknown option '" + args[0] + "'; the only argument is the " +
                "directory, or --help (a directory whose name starts with '-' goes as ./" + args[0] + ")");
        }
        return parse("DIR", args[0], writes, "e.g. a new name, or no argument for a new temporary directory");
    }

    /**
     * {@link #ofExample} for a {@code main}: on a bad argument prints it and the usage to standard error and exits
     * with status 2.
     *
     * @return the directory to use, or {@code null} after {@code --help}.
     */
    static Path ofExampleOrExit(final String[] args, final String name, final String usage, final String tempPrefix,
        final String writes) throws IOException
    {
        try
        {
            return ofExample(args, usage, tempPrefix, writes, System.out);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(name + ": " + ex.getMessage());
            System.err.println();
            System.err.println(usage);
            System.exit(2);
            return null;
        }
    }
}
