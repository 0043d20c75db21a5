package dev.docref.trap;

/**
 * Cuts text to at most a number of {@code char}s without splitting a surrogate pair, for labels, messages and tails
 * of tool output that the trap shortens.
 * <p>
 * A character outside the Basic Multilingual Plane (U+1F525 FIRE, say, in a thread name) is two {@code char}s, a
 * high and a low surrogate; a cut between them leaves half a pair, which is not text: a strict UTF-8 encoder refuses
 * it, and a lenient one writes {@code ?}. A cut that would fall inside a pair falls before it, so the result may be
 * one {@code char} shorter than asked.
 * <p>
 * <b>Thread-safety:</b> stateless; safe from any thread.
 */
final class Excerpt
{
    private Excerpt()
    {
    }

    /** @return the first {@code maxChars} chars of {@code text}, one fewer if the cut would split a pair. */
    static String head(final String text, final int maxChars)
    {
        if (text.length() <= maxChars)
        {
            return text;
        }
        final int end = maxChars > 0 && Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return text.substring(0, end);
    }

    /** @return the last {@code maxChars} chars of {@code text}, one fewer if the cut would split a pair. */
    static String tail(final String text, final int maxChars)
    {
        if (text.length() <= maxChars)
        {
            return text;
        }
        final int start = text.length() - maxChars;
        return text.substring(maxChars > 0 && Character.isLowSurrogate(text.charAt(start)) ? start + 1 : start);
    }
}
