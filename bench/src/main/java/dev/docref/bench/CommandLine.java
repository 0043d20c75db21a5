package dev.docref.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * What the harness mains share: option parsing with {@code --help} and usage errors, writing a report file, and the
 * machine's physical memory. Stateless and thread-safe.
 */
final class CommandLine
{
    private CommandLine()
    {
    }

    /**
     * Parse {@code args} with {@code parser}; on {@code --help} print {@code usage} and exit 0, on a bad argument
     * print the parser's message and {@code usage} and exit 2.
     */
    static <T> T parseOrExit(final String[] args, final String usage, final Function<String[], T> parser)
    {
        if (List.of(args).contains("--help"))
        {
            System.out.println(usage);
            System.exit(0);
        }
        try
        {
            return parser.apply(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.err.println(usage);
            System.exit(2);
            throw ex;
        }
    }

    /** Write {@code text} to {@code file}, replacing it, after creating its directory. */
    static void write(final Path file, final String text) throws IOException
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Physical memory in bytes, or -1 where the JVM does not say. */
    static long physicalMemoryBytes()
    {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)os).getTotalMemorySize();
        }
        return -1;
    }
}
