package dev.docref.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's benchmark figures against the {@code bench/results} files it cites: a figure no cited file records
 * (rounded as the README rounds it) fails here rather than reaching readers.
 */
class ReadmeFiguresTest
{
    private static final Pattern RESULTS_LINK = Pattern.compile("bench/results/[\\w.-]+\\.md");
    /** A number as the docs write it: 3,883.926, 607, 1.00. */
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.,])(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?");

    @Test
    void theHeadlineGrowthTableFollowsItsCommandAndEveryFigureIsInTheResultsFileItCites() throws IOException
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
        final String results = read(root().resolve(cited));

        final List<String> missing = new ArrayList<>();
        final String rows = section.substring(table, section.indexOf("\n\n", table));
        for (final String row : rows.split("\n"))
        {
            if (row.startsWith("| Map") || row.startsWith("|---"))
            {
                continue;
            }
            final String[] cells = row.split("\\|");
            for (int i = 2; i < cells.length; i++)
            {
                final Matcher figure = NUMBER.matcher(cells[i]);
                if (figure.find() && !recorded(figure.group(), results))
                {
                    missing.add(cells[1].trim() + ": " + cells[i].trim());
                }
            }
        }
        assertTrue(missing.isEmpty(), "figures " + cited + " does not record: " + missing);
    }

    @Test
    void thePreSizedPutRatiosAreInTheResultsFilesTheirSentenceCites() throws IOException
    {
        final String readme = read(root().resolve("README.md"));
        final int from = readme.indexOf("puts into a pre-sized map");
        assertTrue(from > 0);
        final String sentence = readme.substring(from, readme.indexOf("; grown maps", from));
        final List<String> files = new ArrayList<>();
        final Matcher link = RESULTS_LINK.matcher(sentence);
        while (link.find())
        {
            files.add(read(root().resolve(link.group())));
        }
        // "2.3x (100M)" or "2.1x at 100M": a ratio at one size, which a paragraph of a cited file must give.
        final Matcher ratio = Pattern.compile("(\\d+\\.\\d+)x (?:\\((\\d+M)\\)|at (\\d+M))").matcher(sentence);
        final List<String> missing = new ArrayList<>();
        boolean any = false;
        while (ratio.find())
        {
            any = true;
            final String size = ratio.group(2) != null ? ratio.group(2) : ratio.group(3);
            final Pattern atSize = Pattern.compile("(?<![\\d.,])" + size + "\\b");
            boolean found = false;
            for (final String file : files)
            {
                for (final String paragraph : file.split("\n\\s*\n"))
                {
                    found |= atSize.matcher(paragraph).find() && recorded(ratio.group(1), ratiosOf(paragraph));
                }
            }
            if (!found)
            {
                missing.add(ratio.group());
            }
        }
        assertTrue(any, sentence);
        assertTrue(missing.isEmpty(), "ratios no cited file gives at that size: " + missing + " in: " + sentence);
    }

    /** Whether {@code text} holds a number that rounds to {@code figure} at {@code figure}'s precision. */
    private static boolean recorded(final String figure, final String text)
    {
        final BigDecimal wanted = new BigDecimal(figure.replace(",", ""));
        final Matcher number = NUMBER.matcher(text);
        while (number.find())
        {
            final BigDecimal found = new BigDecimal(number.group().replace(",", ""));
            if (found.scale() >= wanted.scale() &&
                found.setScale(wanted.scale(), RoundingMode.HALF_UP).compareTo(wanted) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /** The ratios ({@code 2.31x}) in {@code paragraph}, one per line. */
    private static String ratiosOf(final String paragraph)
    {
        final StringBuilder ratios = new StringBuilder();
        final Matcher ratio = Pattern.compile("(\\d+\\.\\d+)x").matcher(paragraph);
        while (ratio.find())
        {
            ratios.append(ratio.group(1)).append('\n');
        }
        return ratios.toString();
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
