package dev.docref.trap;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The names in {@code /proc/kallsyms}, to tell kernel frames from user frames in libbpf-tools output, which prints
 * both as bare names.
 * <p>
 * About 120,000 names (some 8 MiB of heap) on a distribution kernel: load once per capture, after the profiler has
 * finished, and drop. Names are listed even where {@code kptr_restrict} hides the addresses.
 * <b>Thread-safety:</b> immutable once loaded.
 */
final class KernelSymbols implements Predicate<String>
{
    private static final Path KALLSYMS = Path.of("/proc/kallsyms");

    private final Set<String> names;

    private KernelSymbols(final Set<String> names)
    {
        this.names = names;
    }

    /** @return exactly these names; for tests. */
    static KernelSymbols of(final Set<String> names)
    {
        return new KernelSymbols(Set.copyOf(names));
    }

    /** @return the running kernel's symbols, or none if {@code /proc/kallsyms} cannot be read. */
    static KernelSymbols load()
    {
        return load(KALLSYMS);
    }

    static KernelSymbols load(final Path kallsyms)
    {
        final Set<String> names = new HashSet<>(1 << 18);
        try (BufferedReader reader = Files.newBufferedReader(kallsyms, StandardCharsets.ISO_8859_1))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                // "ffffffff81441416 T futex_do_wait" or "... t name\t[module]"
                final int second = line.indexOf(' ', line.indexOf(' ') + 1);
                if (second < 0)
                {
                    continue;
                }
                final int tab = line.indexOf('\t', second + 1);
                names.add(tab < 0 ? line.substring(second + 1) : line.substring(second + 1, tab));
            }
        }
        catch (final IOException | SecurityException ex)
        {
            names.clear();
        }
        return new KernelSymbols(names);
    }

    /** @return how many names were read; 0 if the file could not be read. */
    int size()
    {
        return names.size();
    }

    @Override
    public boolean test(final String name)
    {
        return names.contains(name);
    }
}
