package dev.docref.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's benchmark figures against the {@code bench/results} files it cites, each against the row and column it
 * claims there: a figure that differs from its own cell (rounded as the README rounds it), or that only some other
 * row's number matches, fails here rather than reaching readers. Also design.md's simulated spill figures, against
 * the {@code SpillSimulation} results file it cites.
 */
class ReadmeFiguresTest
{
    private static final Pattern RESULTS_LINK = Pattern.compile("bench/results/[\\w.-]+\\.md");
    /** A number as the docs write it: 3,883.926, 607, 1.00. */
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.,])(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?");

    /**
     * Where the results file records each figure of the headline table, by the README's map (its row) and column:
     * a cell of the file's tables, in the row of the run the README cites, or a sentence of the file, the figure
     * being its {@code figure} group. A figure the README gives without a place here fails as unknown.
     */
    private static Map<String, Map<String, Source>> headlineSources(final String run)
    {
        // "Run 1 also had the single-threaded docref: worst put 4.514 ms (4 over 1 ms), average 622 ns."
        final String singleThreaded = "Run " + run + " also had the single-threaded docref: worst put ";
        return Map.of(
            "docref `PresizedDocRefMap`", Map.of(
                "Worst put", cell(List.of(run), "docref worst put"),
                "Puts > 1 ms", cell(List.of(run), "Puts > 1 ms"),
                "Avg put", cell(List.of(run), "docref avg put"),
                "Largest allocation", sentence("largest allocation (?<figure>[\\d.]+\\s+\\w+) for docref"),
                "Bytes/entry", sentence("(?<figure>[\\d.]+) bytes per entry for docref")),
            "docref `PresizedDocRefMap`, single-threaded", Map.of(
                "Worst put", sentence(singleThreaded + "(?<figure>[\\d.]+ ms)"),
                "Puts > 1 ms", sentence(singleThreaded + "[\\d.]+ ms \\((?<figure>\\d+) over 1 ms\\)"),
                "Avg put", sentence(singleThreaded + "[\\d.]+ ms \\(\\d+ over 1 ms\\), average (?<figure>\\d+ ns)")),
            "fastutil `Long2LongOpenHashMap`", Map.of(
                "Worst put", cell(List.of(run), "fastutil worst put"),
                "Avg put", cell(List.of(run), "fastutil avg put"),
                "Largest allocation", sentence("for docref, (?<figure>[\\d.]+\\s+\\w+) for fastutil"),
                "Bytes/entry", sentence("bytes per entry for docref \\([^)]*\\), (?<figure>[\\d.]+) for fastutil")));
    }

    @Test
    void theHeadlineGrowthTableFollowsItsCommandAndEachFigureIsItsOwnRowAndColumnOfTheRunItCites() throws IOException
    {
        final String section = section(read(root().resolve("README.md")), "## Headline numbers");
        final int table = section.indexOf("| Map | Worst put");
        assertTrue(table > 0, section);
        final String before = section.substring(0, table);
        final String command = before.substring(before.lastIndexOf("```bash"));
        assertTrue(command.contains("GrowthPauseHarness") && !command.contains("--entries"),
            "the command right above the table grows to the default 58,720,257 keys: " + command);
        final Matcher link = RESULTS_LINK.matcher(before);
        String cited = null;
        while (link.find())
        {
            cited = link.group();
        }
        assertTrue(cited != null, "the text above the table cites its results file: " + before);
        final Matcher run = Pattern.compile("\\brun (\\d+) of\\b").matcher(before);
        assertTrue(run.find(), "the text above the table says which run of " + cited + " it shows: " + before);
        final String results = read(root().resolve(cited));
        final Map<String, Map<String, Source>> sources = headlineSources(run.group(1));

        final List<List<String>> rows = tables(section.substring(table, section.indexOf("\n\n", table))).get(0);
        final List<String> columns = rows.get(0);
        final List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (final List<String> row : rows.subList(1, rows.size()))
        {
            final String map = row.get(0);
            for (int i = 1; i < row.size(); i++)
            {
                final String figure = row.get(i);
                if (!NUMBER.matcher(figure).find())
                {
                    continue;
                }
                final Source source = sources.getOrDefault(map, Map.of()).get(columns.get(i));
                final String recorded = source == null ? null : source.find(results);
                checked++;
                if (recorded == null || !sameFigure(figure, recorded))
                {
                    wrong.add(map + ", " + columns.get(i) + ": " + figure + (source == null ?
                        " (this test knows no place for it in the results file: add one to headlineSources)" :
                        " against " + (recorded == null ? "nothing at " : recorded + " at ") + source));
                }
            }
        }
        assertTrue(checked >= 10, "the table's figures were not found: " + rows);
        assertTrue(wrong.isEmpty(), "figures that are not run " + run.group(1) + " of " + cited + ": " + wrong);
    }

    @Test
    void eachPreSizedPutRatioIsItsSizesRowInTheResultsFileItsSentenceCitesForIt() throws IOException
    {
        final String readme = read(root().resolve("README.md"));
        final int from = readme.indexOf("puts into a pre-sized map");
        assertTrue(from > 0);
        final String sentence = readme.substring(from, readme.indexOf("; grown maps", from));
        // "2.3x (100M)" or "2.1x at 100M": docref's time as a multiple of fastutil's at one size, from the file
        // that the first link after it cites.
        final Matcher ratio = Pattern.compile("(\\d+\\.\\d+x) (?:\\((\\d+M)\\)|at (\\d+M))").matcher(sentence);
        final List<String> wrong = new ArrayList<>();
        int checked = 0;
        while (ratio.find())
        {
            final String size = ratio.group(2) != null ? ratio.group(2) : ratio.group(3);
            final Matcher link = RESULTS_LINK.matcher(sentence);
            assertTrue(link.find(ratio.end()), "no results file cited after " + ratio.group() + " in: " + sentence);
            // The size's row of a comparison table; where no table has it, a paragraph "At 100M, ...: **2.31x**".
            final Source source = firstOf(cell(List.of("Put into a pre-sized map", size), "docref / fastutil"),
                sentence("At " + size + ",[^*]*\\*\\*(?<figure>[\\d.]+x)\\*\\*"));
            final String recorded = source.find(read(root().resolve(link.group())));
            checked++;
            if (recorded == null || !sameFigure(ratio.group(1), recorded))
            {
                wrong.add(ratio.group() + " against " + (recorded == null ? "nothing at " : recorded + " at ") +
                    source + " of " + link.group());
            }
        }
        assertTrue(checked >= 3, sentence);
        assertTrue(wrong.isEmpty(), "ratios that are not their size's in the file cited for them: " + wrong +
            " in: " + sentence);
    }

    /**
     * design.md's spill figures (Layout, Robin Hood order; Growth, pre-sized), each the cell of the simulation's
     * results file for its keys and home slots: fills, fills spilled past the tail, the bound as a multiple of the
     * rate, and longest-spill quantiles.
     */
    @Test
    void designSpillFiguresAreTheCellsOfTheSimulationTheyCite() throws IOException
    {
        final String design = read(root().resolve("src/site/markdown/design.md")).replaceAll("\\s+", " ");
        final String cited = "bench/results/2026-12-01-spill-simulation.md";
        assertTrue(design.contains(cited), "design.md cites " + cited);
        final String results = read(root().resolve(cited));
        final List<String> atLimit = List.of("7,105", "8,120");
        final List<String> presized = List.of("7,612", "8,120");
        final List<String> small = List.of("56", "64");
        // design.md's wording, its figure as group 1, and where the results file records it.
        final Map<String, Source> figures = Map.of(
            "\\(15/16, 7,612 keys in a default segment's 8,120 home slots\\), of ([\\d,]+) random fills",
            cell(presized, "Fills"),
            "the median spilled (\\d+) slots past the last home slot", cell(presized, "Median"),
            "99\\.99% spilled (\\d+) or fewer", cell(presized, "p99.99"),
            "or fewer, and ([\\d,]+) spilled past the tail", cell(presized, "Spilled past the tail"),
            "the longest spill of [\\d,]+ fills was (\\d+) slots", cell(atLimit, "Longest"),
            "7,612 keys in 8,120 home slots spilled in ([\\d,]+)", cell(presized, "Spilled past the tail"),
            "56 keys in 64 slots in ([\\d,]+) \\(", cell(small, "Spilled past the tail"),
            "7,105 keys in 8,120 home slots spilled in none", cell(atLimit, "Spilled past the tail"),
            "where it gives 6\\.6 × 10\\^-3, (\\d+) times as much", cell(presized, "Bound / rate"),
            "where it gives 0\\.022, (\\d+) times as much", cell(small, "Bound / rate"));
        final List<String> wrong = new ArrayList<>();
        for (final Map.Entry<String, Source> figure : figures.entrySet())
        {
            final Matcher matcher = Pattern.compile(figure.getKey()).matcher(design);
            final String recorded = figure.getValue().find(results);
            final String stated = !matcher.find() ? null : matcher.groupCount() == 0 ? "0" : matcher.group(1);
            if (stated == null || recorded == null || !sameFigure(stated, recorded))
            {
                wrong.add("/" + figure.getKey() + "/: design.md " + (stated == null ? "has no such sentence" :
                    stated) + " against " + (recorded == null ? "nothing at " : recorded + " at ") +
                    figure.getValue());
            }
        }
        assertTrue(wrong.isEmpty(), "design.md's spill figures that are not " + cited + "'s: " + wrong);
    }

    /** A place in a results file that records one figure. */
    private interface Source
    {
        /** @return the figure recorded there (such as {@code 3.545 ms}), or null if the file has no such place. */
        String find(String results);
    }

    /**
     * The cell in {@code column} of the one table row whose first cells are {@code row}, such as run "1" or
     * "Put into a pre-sized map", "100M"; none if no table, or more than one, has such a row and column.
     */
    private static Source cell(final List<String> row, final String column)
    {
        return new Source()
        {
            @Override
            public String find(final String results)
            {
                final List<String> found = new ArrayList<>();
                for (final List<List<String>> table : tables(results))
                {
                    final int index = table.get(0).indexOf(column);
                    for (final List<String> cells : table.subList(1, table.size()))
                    {
                        if (index >= row.size() && cells.size() > index && cells.subList(0, row.size()).equals(row))
                        {
                            found.add(cells.get(index).replace("**", ""));
                        }
                    }
                }
                return found.size() == 1 ? found.get(0) : null;
            }

            @Override
            public String toString()
            {
                return "row " + row + ", column '" + column + "'";
            }
        };
    }

    /** The {@code figure} group of the first match of {@code regex}, across line breaks. */
    private static Source sentence(final String regex)
    {
        final Pattern pattern = Pattern.compile(regex);
        return new Source()
        {
            @Override
            public String find(final String results)
            {
                final Matcher matcher = pattern.matcher(results.replaceAll("\\s+", " "));
                return matcher.find() ? matcher.group("figure") : null;
            }

            @Override
            public String toString()
            {
                return "the sentence /" + regex + "/";
            }
        };
    }

    private static Source firstOf(final Source first, final Source second)
    {
        return new Source()
        {
            @Override
            public String find(final String results)
            {
                final String found = first.find(results);
                return found != null ? found : second.find(results);
            }

            @Override
            public String toString()
            {
                return first + " or " + second;
            }
        };
    }

    /**
     * Whether the README's {@code figure} (such as {@code 3,884 ms}) is {@code recorded} ({@code 3,883.926 ms})
     * rounded half up to the figure's decimals, with the same unit after it.
     */
    private static boolean sameFigure(final String figure, final String recorded)
    {
        final Matcher wanted = NUMBER.matcher(figure);
        final Matcher found = NUMBER.matcher(recorded);
        if (!wanted.find() || !found.find() || !unit(figure, wanted).equals(unit(recorded, found)))
        {
            return false;
        }
        final BigDecimal wantedValue = new BigDecimal(wanted.group().replace(",", ""));
        final BigDecimal foundValue = new BigDecimal(found.group().replace(",", ""));
        return foundValue.scale() >= wantedValue.scale() &&
            foundValue.setScale(wantedValue.scale(), RoundingMode.HALF_UP).compareTo(wantedValue) == 0;
    }

    private static String unit(final String text, final Matcher number)
    {
        return text.substring(number.end()).trim();
    }

    /** Each markdown table in {@code markdown}: its header's cells, then each row's (the |---| line left out). */
    private static List<List<List<String>>> tables(final String markdown)
    {
        final List<List<List<String>>> tables = new ArrayList<>();
        List<List<String>> table = null;
        for (final String line : markdown.split("\n"))
        {
            if (!line.startsWith("|"))
            {
                table = null;
                continue;
            }
            if (table == null)
            {
                table = new ArrayList<>();
                tables.add(table);
            }
            if (!line.startsWith("|---"))
            {
                final List<String> cells = new ArrayList<>();
                for (final String cell : line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length())
                    .split("\\|", -1))
                {
                    cells.add(cell.trim());
                }
                table.add(cells);
            }
        }
        return tables;
    }

    private static String section(final String markdown, final String heading)
    {
        final int start = markdown.indexOf(heading);
        assertTrue(start >= 0, heading);
        final int end = markdown.indexOf("\n## ", start + heading.length());
        return markdown.substring(start, end < 0 ? markdown.length() : end);
    }

    /** The repository's root: the tests run in the module's directory. */
    private static Path root()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md")) ||
            dir != null && !Files.isDirectory(dir.resolve("bench/results")))
        {
            dir = dir.getParent();
        }
        assertFalse(dir == null, "no README.md with bench/results above " + Path.of("").toAbsolutePath());
        return dir;
    }

    private static String read(final Path file) throws IOException
    {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
