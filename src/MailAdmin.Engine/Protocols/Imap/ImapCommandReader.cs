using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>One parsed command: tag, upper-cased name and its arguments.</summary>
public sealed class ImapCommand
{
    public ImapCommand(string tag, string name, IReadOnlyList<ImapToken> arguments)
    {
        Tag = tag;
        Name = name;
        Arguments = arguments;
    }

    public string Tag { get; }
    /// <summary>The command name, upper case ("UID" for the UID commands: the sub-command is the first argument).</summary>
    public string Name { get; }
    public IReadOnlyList<ImapToken> Arguments { get; }

    /// <summary>The command as text with literals shown as {n}; secrets are not redacted here.</summary>
    public override string ToString()
        => Tag + " " + Name + (Arguments.Count > 0 ? " " + string.Join(" ", Arguments) : "");
}

public enum ImapReadStatus
{
    /// <summary>No complete command yet: read more bytes.</summary>
    NeedMore,
    /// <summary>A complete command is in <see cref="ImapReadResult.Command"/>.</summary>
    Command,
    /// <summary>A synchronizing literal was announced and accepted: send "+ ..." and read on.</summary>
    Continue,
    /// <summary>The command is refused (<see cref="ImapReadResult.Tag"/> may be null: answer untagged).</summary>
    Error,
}

public sealed class ImapReadResult
{
    internal ImapReadResult(ImapReadStatus status, ImapCommand? command = null, string? tag = null, string? error = null, string? code = null, bool fatal = false)
    {
        Status = status; Command = command; Tag = tag; ErrorText = error; ResponseCode = code; IsNo = code is "TOOBIG" or "UNAVAILABLE"; Fatal = fatal;
    }

    public ImapReadStatus Status { get; }
    public ImapCommand? Command { get; }
    /// <summary>For errors: the tag of the refused command when it could be read.</summary>
    public string? Tag { get; }
    public string? ErrorText { get; }
    /// <summary>For errors: a response code without brackets (TOOBIG), or null.</summary>
    public string? ResponseCode { get; }
    /// <summary>For errors: answer NO rather than BAD.</summary>
    public bool IsNo { get; }
    /// <summary>For errors: the input cannot be resynchronised; close the connection.</summary>
    public bool Fatal { get; }

    internal static readonly ImapReadResult NeedMore = new(ImapReadStatus.NeedMore);
    internal static readonly ImapReadResult ContinueLiteral = new(ImapReadStatus.Continue);
}

/// <summary>Limits applied by <see cref="ImapCommandReader"/>.</summary>
public sealed class ImapParserLimits
{
    /// <summary>One line (between literals), CRLF included. Default 64 KiB.</summary>
    public int MaxLineLength { get; set; } = 64 * 1024;
    /// <summary>A literal of APPEND (the message): APPENDLIMIT. Default 25 MiB.</summary>
    public long MaxAppendLiteral { get; set; } = 25 * 1024 * 1024;
    /// <summary>A literal of any other command. Default 64 KiB.</summary>
    public int MaxOtherLiteral { get; set; } = 64 * 1024;
    /// <summary>Literals per command.</summary>
    public int MaxLiterals { get; set; } = 64;
    /// <summary>Nesting depth of parenthesised lists.</summary>
    public int MaxNestingDepth { get; set; } = 16;
}

/// <summary>
/// Turns bytes into IMAP commands (RFC 3501 §9 / RFC 7888): tags, atoms, quoted strings, literals
/// {n} and {n+}, nested lists. Pure: feed it what arrived and it consumes complete lines and
/// literal bytes, leaving a partial line unconsumed ("need more"). For a synchronizing literal
/// it answers <see cref="ImapReadStatus.Continue"/> once, and the host sends the "+".
/// </summary>
public sealed class ImapCommandReader
{
    private readonly ImapParserLimits _limits;
    private readonly List<byte[]> _texts = new();
    private readonly List<byte[]> _literals = new();
    private byte[]? _literal;      // grows as the bytes arrive: an announced size costs nothing up front
    private long _literalSize;
    private int _literalPos;
    private IncomingMessage? _streaming;   // an APPEND literal being written to the store as it arrives
    private readonly Dictionary<int, IncomingMessage> _streamed = new();   // literal index → its message
    // Streamed literals that held a NUL: not allowed in an ordinary literal, so APPEND treats them as literal8 (binary).
    private readonly HashSet<IncomingMessage> _streamedWithNul = new();
    private bool _streamingNul;
    private long _skip;            // bytes of a refused non-synchronizing literal still to drop
    private bool _discardLine;     // drop everything up to the next LF (after a too long line or refused literal)
    private string? _tag;

    public ImapCommandReader(ImapParserLimits? limits = null) => _limits = limits ?? new ImapParserLimits();

    public ImapParserLimits Limits => _limits;

    /// <summary>
    /// Whether APPEND may use <see cref="ImapParserLimits.MaxAppendLiteral"/>. The host clears it
    /// before login, so that an unauthenticated client cannot make the server buffer a message.
    /// </summary>
    public bool AppendAllowed { get; set; } = true;

    /// <summary>
    /// Where the message literal of an APPEND goes: a store message written as the bytes arrive,
    /// so that no message is held whole in memory. The command's token then carries it
    /// (<see cref="ImapToken.Message"/>) and whoever executes the command disposes it. Null: APPEND
    /// literals are read into memory like any other.
    /// </summary>
    public Func<IncomingMessage>? AppendSink { get; set; }

    /// <summary>True between the first line of a command and its end (inside literals).</summary>
    public bool InCommand => _texts.Count > 0 || _literal != null || _streaming != null;

    /// <summary>Forgets any partial command (and discards the messages of its literals).</summary>
    public void Reset()
    {
        foreach (var m in _streamed.Values) m.Dispose();
        Forget();
    }

    private void Forget()
    {
        _texts.Clear();
        _literals.Clear();
        _literal = null;
        _literalPos = 0;
        _tag = null;
        _streaming?.Dispose();
        _streaming = null;
        _streamed.Clear();
        _streamedWithNul.Clear();
        _streamingNul = false;
    }

    /// <summary>Reads one raw line (SASL responses, IDLE's DONE), without CRLF. False when incomplete; too long lines come back as null.</summary>
    public bool TryReadLine(ref ReadOnlySequence<byte> buffer, out string? line)
    {
        line = null;
        var lf = buffer.PositionOf((byte)'\n');
        if (lf == null)
        {
            if (buffer.Length > _limits.MaxLineLength)
            {
                buffer = buffer.Slice(buffer.End);
                _discardLine = true;
                return true;
            }
            return false;
        }
        var raw = buffer.Slice(0, lf.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        if (_discardLine) { _discardLine = false; return true; }
        var bytes = raw.ToArray();
        int n = bytes.Length;
        if (n > 0 && bytes[n - 1] == '\r') n--;
        line = Encoding.UTF8.GetString(bytes, 0, n);
        return true;
    }

    /// <summary>Consumes from <paramref name="buffer"/> what it can and reports the outcome.</summary>
    public ImapReadResult TryRead(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_skip > 0)
            {
                long take = Math.Min(_skip, buffer.Length);
                buffer = buffer.Slice(take);
                _skip -= take;
                if (_skip > 0) return ImapReadResult.NeedMore;
            }
            if (_streaming != null)
            {
                long take = Math.Min(_literalSize - _literalPos, buffer.Length);
                try
                {
                    foreach (var segment in buffer.Slice(0, take))
                    {
                        if (!_streamingNul && segment.Span.IndexOf((byte)0) >= 0) _streamingNul = true;
                        _streaming.Write(segment.Span);
                    }
                }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
                {
                    // Disk full or the like: drop the rest of the literal and the line, refuse the command.
                    var t = _tag;
                    buffer = buffer.Slice(take);
                    _skip = _literalSize - _literalPos - take;
                    _discardLine = true;
                    return Fail(t, "Cannot store the message now: " + ex.Message, "UNAVAILABLE");
                }
                buffer = buffer.Slice(take);
                _literalPos += (int)take;
                if (_literalPos < _literalSize) return ImapReadResult.NeedMore;
                _streamed[_literals.Count] = _streaming;
                if (_streamingNul) _streamedWithNul.Add(_streaming);
                _streamingNul = false;
                _literals.Add(Array.Empty<byte>());
                _streaming = null;
                _literalPos = 0;
            }
            if (_literal != null)
            {
                int take = (int)Math.Min(_literalSize - _literalPos, buffer.Length);
                if (_literalPos + take > _literal.Length)
                    Array.Resize(ref _literal, (int)Math.Min(_literalSize, Math.Max((long)_literal.Length * 2, _literalPos + take)));
                buffer.Slice(0, take).CopyTo(new Span<byte>(_literal, _literalPos, take));
                buffer = buffer.Slice(take);
                _literalPos += take;
                if (_literalPos < _literalSize) return ImapReadResult.NeedMore;
                _literals.Add(_literal);
                _literal = null;
                _literalPos = 0;
            }

            var lf = buffer.PositionOf((byte)'\n');
            if (lf == null)
            {
                if (buffer.Length > _limits.MaxLineLength)
                {
                    var tag = _discardLine ? null : _tag ?? TagOf(buffer);
                    buffer = buffer.Slice(buffer.End);
                    if (_discardLine) return ImapReadResult.NeedMore;
                    _discardLine = true;
                    return Fail(tag, "Line too long", null);
                }
                return ImapReadResult.NeedMore;
            }
            var rawLine = buffer.Slice(0, lf.Value);
            buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
            if (_discardLine)
            {
                _discardLine = false;
                Reset();
                continue;
            }
            if (rawLine.Length + 1 > _limits.MaxLineLength)
            {
                var t = _tag ?? TagOf(rawLine);
                return Fail(t, "Line too long", null);
            }
            var line = rawLine.ToArray();
            int len = line.Length;
            if (len > 0 && line[len - 1] == '\r') len--;
            if (len != line.Length) Array.Resize(ref line, len);
            if (_texts.Count == 0)
            {
                if (len == 0) continue;   // empty lines between commands are ignored
                _tag = TagOf(new ReadOnlySequence<byte>(line));
            }
            _texts.Add(line);

            if (!TryLiteralMarker(line, out long size, out bool nonSync))
            {
                return Complete();
            }
            bool append = AppendAllowed && IsAppend() && !IsAppendMailbox(line);
            long max = append ? _limits.MaxAppendLiteral : _limits.MaxOtherLiteral;
            if (_literals.Count >= _limits.MaxLiterals)
            {
                var t = _tag;
                if (nonSync) { _skip = size; _discardLine = true; }
                return Fail(t, "Too many literals", null);
            }
            if (max > 0 && size > max)
            {
                var t = _tag;
                if (nonSync) { _skip = size; _discardLine = true; }
                return Fail(t, append ? "Message too big (APPENDLIMIT " + max + ")" : "Literal too big", append ? "TOOBIG" : null);
            }
            if (size > int.MaxValue - 64) return Fail(_tag, "Literal too big", null);
            _literalSize = size;
            _literalPos = 0;
            if (append && AppendSink != null)
            {
                _streaming = AppendSink();
                if (!nonSync) return ImapReadResult.ContinueLiteral;
                continue;
            }
            _literal = new byte[Math.Min(size, 64 * 1024)];
            _literalSize = size;
            _literalPos = 0;
            if (!nonSync) return ImapReadResult.ContinueLiteral;
        }
    }

    private ImapReadResult Fail(string? tag, string text, string? code)
    {
        Reset();
        return new ImapReadResult(ImapReadStatus.Error, tag: tag, error: text, code: code);
    }

    private bool IsAppend()
    {
        if (_texts.Count == 0) return false;
        var first = _texts[0];
        int sp = Array.IndexOf(first, (byte)' ');
        if (sp < 0) return false;
        int start = sp + 1;
        int end = start;
        while (end < first.Length && first[end] != ' ') end++;
        var name = Encoding.ASCII.GetString(first, start, end - start);
        if (name.Equals("APPEND", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Whether the literal that ends <paramref name="line"/> is APPEND's mailbox name ("tag APPEND {5}"), which is kept as a string, not streamed as a message.</summary>
    private bool IsAppendMailbox(byte[] line)
    {
        if (_texts.Count != 1) return false;
        int open = Array.LastIndexOf(line, (byte)'{');
        var before = Encoding.ASCII.GetString(line, 0, Math.Max(open, 0)).Trim();
        var words = before.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 2;   // the tag and APPEND: nothing yet between them and the literal
    }

    private static string? TagOf(in ReadOnlySequence<byte> line)
    {
        var span = line.Length > 256 ? line.Slice(0, 256).ToArray() : line.ToArray();
        int i = 0;
        while (i < span.Length && IsTagChar(span[i])) i++;
        if (i == 0 || (i < span.Length && span[i] != ' ')) return null;
        return Encoding.ASCII.GetString(span, 0, i);
    }

    private static bool IsTagChar(byte b)
        => b > 0x20 && b < 0x7f && b != '(' && b != ')' && b != '{' && b != '%' && b != '*' && b != '"' && b != '\\' && b != '+';

    /// <summary>Whether the line ends with {n} or {n+}.</summary>
    internal static bool TryLiteralMarker(byte[] line, out long size, out bool nonSync)
    {
        size = 0;
        nonSync = false;
        int n = line.Length;
        if (n < 3 || line[n - 1] != '}') return false;
        int i = n - 2;
        if (line[i] == '+') { nonSync = true; i--; }
        int digitsEnd = i;
        while (i >= 0 && line[i] >= '0' && line[i] <= '9') i--;
        if (i < 0 || line[i] != '{' || i == digitsEnd) return false;
        if (digitsEnd - i > 18) { size = long.MaxValue; return true; }
        size = long.Parse(Encoding.ASCII.GetString(line, i + 1, digitsEnd - i), NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    private ImapReadResult Complete()
    {
        var texts = _texts.ToArray();
        var literals = _literals.ToArray();
        var streamed = new Dictionary<int, IncomingMessage>(_streamed);
        var withNul = new HashSet<IncomingMessage>(_streamedWithNul);
        var tag = _tag;
        Forget();
        try
        {
            var command = new ImapTokenizer(texts, literals, _limits.MaxNestingDepth, streamed, withNul).ReadCommand();
            return new ImapReadResult(ImapReadStatus.Command, command: command, tag: command.Tag);
        }
        catch (ImapParseException ex)
        {
            foreach (var m in streamed.Values) m.Dispose();
            return new ImapReadResult(ImapReadStatus.Error, tag: tag, error: ex.Message);
        }
    }
}

/// <summary>Tokens from the text segments of a command and the literals between them.</summary>
internal sealed class ImapTokenizer
{
    private readonly byte[][] _texts;
    private readonly byte[][] _literals;
    private readonly int _maxDepth;
    private readonly IReadOnlyDictionary<int, IncomingMessage>? _streamed;
    private readonly HashSet<IncomingMessage>? _streamedWithNul;
    private int _seg;
    private int _pos;

    public ImapTokenizer(byte[][] texts, byte[][] literals, int maxDepth, IReadOnlyDictionary<int, IncomingMessage>? streamed = null, HashSet<IncomingMessage>? streamedWithNul = null)
    {
        _streamedWithNul = streamedWithNul;
        _texts = texts;
        _literals = literals;
        _maxDepth = maxDepth;
        _streamed = streamed;
    }

    private byte[] Text => _texts[_seg];
    private bool AtEnd => _seg == _texts.Length - 1 && _pos >= Text.Length;
    private bool AtSegmentEnd => _pos >= Text.Length;

    public ImapCommand ReadCommand()
    {
        var tag = ReadBareAtom();
        if (tag.Length == 0) throw new ImapParseException("Missing tag");
        foreach (var c in tag)
            if (!(c > 0x20 && c < 0x7f) || "(){%*\"\\+".IndexOf(c) >= 0) throw new ImapParseException("Invalid tag");
        if (AtEnd || AtSegmentEnd || Text[_pos] != ' ') throw new ImapParseException("Missing command");
        _pos++;
        var name = ReadBareAtom().ToUpperInvariant();
        if (name.Length == 0) throw new ImapParseException("Missing command");
        var args = new List<ImapToken>();
        while (!AtEnd)
        {
            // Short of the last segment, only a literal may end one: "x{1}" read as an atom did.
            if (AtSegmentEnd) throw new ImapParseException("Invalid literal");
            if (Text[_pos] != ' ') throw new ImapParseException("Expected a space");
            while (!AtEnd && _pos < Text.Length && Text[_pos] == ' ') _pos++;
            if (AtEnd) break;
            args.Add(ReadToken(0));
        }
        return new ImapCommand(tag, name, args);
    }

    private string ReadBareAtom()
    {
        int start = _pos;
        while (_pos < Text.Length && Text[_pos] != ' ') _pos++;
        return Encoding.UTF8.GetString(Text, start, _pos - start);
    }

    private ImapToken ReadToken(int depth)
    {
        if (_pos >= Text.Length) throw new ImapParseException("Unexpected end of command");
        byte b = Text[_pos];
        switch (b)
        {
            case (byte)'(':
                {
                    if (depth + 1 > _maxDepth) throw new ImapParseException("Lists nested too deeply");
                    _pos++;
                    var items = new List<ImapToken>();
                    while (true)
                    {
                        if (_pos >= Text.Length) throw new ImapParseException("Unclosed list");
                        if (Text[_pos] == ')') { _pos++; break; }
                        if (items.Count > 0)
                        {
                            if (Text[_pos] != ' ') throw new ImapParseException("Expected a space in a list");
                            while (_pos < Text.Length && Text[_pos] == ' ') _pos++;
                            if (_pos < Text.Length && Text[_pos] == ')') { _pos++; break; }
                        }
                        items.Add(ReadToken(depth + 1));
                    }
                    return ImapToken.List(items);
                }
            case (byte)')':
                throw new ImapParseException("Unexpected ')'");
            case (byte)'"':
                return ReadQuoted();
            case (byte)'{':
                return ReadLiteral(literal8: false);
            case (byte)'~' when _pos + 1 < Text.Length && Text[_pos + 1] == '{':
                _pos++;   // literal8 (RFC 3516/6855): the bytes are kept as they are; APPEND converts binary parts
                return ReadLiteral(literal8: true);
            default:
                return ReadAtom();
        }
    }

    private ImapToken ReadQuoted()
    {
        _pos++;
        var bytes = new List<byte>();
        while (true)
        {
            if (_pos >= Text.Length) throw new ImapParseException("Unterminated quoted string");
            byte b = Text[_pos++];
            if (b == '"') break;
            if (b == '\\')
            {
                if (_pos >= Text.Length) throw new ImapParseException("Unterminated quoted string");
                byte e = Text[_pos++];
                if (e != '"' && e != '\\') throw new ImapParseException("Invalid escape in quoted string");
                bytes.Add(e);
                continue;
            }
            if (b == '\r' || b == '\n' || b == 0) throw new ImapParseException("Invalid character in quoted string");
            bytes.Add(b);
        }
        return ImapToken.Quoted(Encoding.UTF8.GetString(bytes.ToArray()));
    }

    private ImapToken ReadLiteral(bool literal8)
    {
        // The marker must end the text segment; the literal is the next one.
        if (!ImapCommandReader.TryLiteralMarker(Text, out _, out _) || Text.LastIndexOf((byte)'{') != _pos)
            throw new ImapParseException("Invalid literal");
        if (_seg >= _literals.Length) throw new ImapParseException("Missing literal");
        var literal = _literals[_seg];
        var streamed = _streamed != null && _streamed.TryGetValue(_seg, out var m) ? m : null;
        _seg++;
        _pos = 0;
        // A NUL in an ordinary literal breaks RFC 3501's grammar; it is taken as binary content, as literal8 would be.
        bool binary = literal8 || (streamed != null ? _streamedWithNul?.Contains(streamed) == true : Array.IndexOf(literal, (byte)0) >= 0);
        return streamed != null ? ImapToken.StreamedLiteral(streamed, binary) : ImapToken.Literal(literal, binary);
    }

    /// <summary>Whether the atom at <paramref name="start"/> opens a FETCH section (BODY[, BINARY.PEEK[, ...), where '[' must be closed.</summary>
    private bool IsFetchSection(int start)
    {
        int open = Array.IndexOf(Text, (byte)'[', start);
        var item = Encoding.ASCII.GetString(Text, start, open - start).ToUpperInvariant();
        return item is "BODY" or "BODY.PEEK" or "BINARY" or "BINARY.PEEK" or "BINARY.SIZE";
    }

    private ImapToken ReadAtom()
    {
        int start = _pos;
        int bracket = 0;
        while (_pos < Text.Length)
        {
            byte b = Text[_pos];
            if (bracket > 0)
            {
                if (b == '[') bracket++;
                else if (b == ']') bracket--;
                _pos++;
                continue;
            }
            if (b == ' ' || b == '(' || b == ')') break;
            if (b < 0x20 || b == 0x7f) throw new ImapParseException("Invalid character in atom");
            if (b == '[') bracket++;
            _pos++;
        }
        if (bracket > 0 && IsFetchSection(start))
            throw new ImapParseException("Unclosed '['");
        if (bracket > 0)
        {
            // Not a fetch section: '[' is an ordinary atom character (a mailbox name such as "a[b"), so the atom ends at the first space or parenthesis.
            _pos = start;
            while (_pos < Text.Length && Text[_pos] != ' ' && Text[_pos] != '(' && Text[_pos] != ')')
            {
                if (Text[_pos] < 0x20 || Text[_pos] == 0x7f) throw new ImapParseException("Invalid character in atom");
                _pos++;
            }
        }
        if (_pos == start) throw new ImapParseException("Empty atom");
        var text = Encoding.UTF8.GetString(Text, start, _pos - start);
        if (text.Equals("NIL", StringComparison.OrdinalIgnoreCase)) return ImapToken.Nil;
        return ImapToken.Atom(text);
    }
}
