using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MailAdmin.Protocols.Imap;

/// <summary>THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §2), and the THREAD reply's nesting.</summary>
internal static class ThreadBuilder
{
    /// <summary>A node of the thread tree; a dummy (no message) stands for a message that is referenced but not here.</summary>
    internal sealed class Node
    {
        public SortItem? Message;
        public Node? Parent;
        public readonly List<Node> Children = new();

        public bool IsDummy => Message == null;

        /// <summary>The date a node sorts by: its message's, a dummy's first child's (children are sorted first).</summary>
        public DateTimeOffset Date => Message?.SentDate ?? (Children.Count > 0 ? Children[0].Date : DateTimeOffset.MinValue);

        /// <summary>Ties are broken by sequence number (a dummy: its first child's).</summary>
        public uint Seq => Message?.Seq ?? (Children.Count > 0 ? Children[0].Seq : 0);

        public bool HasAncestorOrIs(Node other)
        {
            for (var n = this; n != null; n = n.Parent) if (n == other) return true;
            return false;
        }

        public void Detach()
        {
            if (Parent == null) return;
            Parent.Children.Remove(this);
            Parent = null;
        }

        public void Add(Node child)
        {
            child.Detach();
            child.Parent = this;
            Children.Add(child);
        }
    }

    private static readonly Comparison<Node> ByDate = (a, b) =>
    {
        int r = a.Date.UtcTicks.CompareTo(b.Date.UtcTicks);
        return r != 0 ? r : a.Seq.CompareTo(b.Seq);
    };

    /// <summary>
    /// ORDEREDSUBJECT: messages grouped by base subject; in each group the first by date is the
    /// root and the others its children, in date order; threads by their root's date.
    /// </summary>
    public static List<Node> OrderedSubject(List<SortItem> items)
    {
        var sorted = new List<SortItem>(items);
        sorted.Sort((a, b) =>
        {
            int r = BaseSubject.CompareAsciiCaseInsensitive(a.BaseSubject, b.BaseSubject);
            if (r != 0) return r;
            r = a.SentDate.UtcTicks.CompareTo(b.SentDate.UtcTicks);
            return r != 0 ? r : a.Seq.CompareTo(b.Seq);
        });
        var roots = new List<Node>();
        Node? current = null;
        foreach (var item in sorted)
        {
            var node = new Node { Message = item };
            if (current != null && BaseSubject.CompareAsciiCaseInsensitive(current.Message!.BaseSubject, item.BaseSubject) == 0) current.Add(node);
            else
            {
                current = node;
                roots.Add(node);
            }
        }
        roots.Sort(ByDate);
        return roots;
    }

    /// <summary>REFERENCES: the RFC 5256 §2.2 algorithm, steps 1 to 6.</summary>
    public static List<Node> References(List<SortItem> items)
    {
        var byId = new Dictionary<string, Node>(StringComparer.Ordinal);
        var all = new List<Node>();
        // Step 1: link messages by Message-ID, References and In-Reply-To, in mailbox order.
        foreach (var item in items)
        {
            var id = MessageId(item);
            Node node;
            if (id != null && byId.TryGetValue(id, out var existing) && existing.IsDummy)
            {
                node = existing;
                node.Message = item;
            }
            else
            {
                // A missing or duplicate Message-ID makes a message of its own (thread2/thread3 of imaptest).
                node = new Node { Message = item };
                if (id != null && !byId.ContainsKey(id)) byId[id] = node;
                all.Add(node);
            }
            var refs = ReferencedIds(item);
            Node? previous = null;
            foreach (var r in refs)
            {
                if (!byId.TryGetValue(r, out var refNode))
                {
                    refNode = new Node();
                    byId[r] = refNode;
                    all.Add(refNode);
                }
                // 1.A: each reference the child of the one before, unless it has a parent already or a loop would result.
                if (previous != null && refNode.Parent == null && refNode != previous && !previous.HasAncestorOrIs(refNode)) previous.Add(refNode);
                previous = refNode;
            }
            // 1.B: the message's parent is its last reference; an old parent link is broken even
            // when the new one would make a loop (then the message becomes a root, as Dovecot does).
            node.Detach();
            if (previous != null && previous != node && !previous.HasAncestorOrIs(node)) previous.Add(node);
        }
        // Step 2: the root set.
        var roots = new List<Node>();
        foreach (var n in all) if (n.Parent == null) roots.Add(n);
        // Step 3: prune dummies.
        roots = Prune(roots, isRoot: true);
        // Step 4: sort the root set by date (a dummy's children first, so that its date is its first child's).
        foreach (var r in roots) SortTree(r);
        roots.Sort(ByDate);
        // Step 5: gather roots with the same base subject.
        roots = GroupBySubject(roots);
        // Step 6: siblings by date, at every level.
        foreach (var r in roots) SortTree(r);
        return roots;
    }

    private static List<Node> Prune(List<Node> siblings, bool isRoot)
    {
        var result = new List<Node>();
        foreach (var n in siblings)
        {
            var children = Prune(new List<Node>(n.Children), isRoot: false);
            n.Children.Clear();
            foreach (var c in children) { c.Parent = n; n.Children.Add(c); }
            if (!n.IsDummy) { result.Add(n); continue; }
            if (n.Children.Count == 0) continue;
            // A dummy at the root with several children stays; otherwise its children take its place.
            if (isRoot && n.Children.Count > 1) { result.Add(n); continue; }
            foreach (var c in n.Children) { c.Parent = isRoot ? null : n.Parent; result.Add(c); }
            n.Children.Clear();
        }
        return result;
    }

    private static List<Node> GroupBySubject(List<Node> roots)
    {
        var table = new Dictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in roots)
        {
            var subject = Subject(r, out bool reply);
            if (subject.Length == 0) continue;
            if (!table.TryGetValue(subject, out var held)) { table[subject] = r; continue; }
            Subject(held, out bool heldReply);
            if ((!held.IsDummy && r.IsDummy) || (!held.IsDummy && !r.IsDummy && heldReply && !reply)) table[subject] = r;
        }
        var result = new List<Node>(roots.Count);
        // By index: a merge may put a new dummy in the place of a root not reached yet.
        for (int i = 0; i < roots.Count; i++)
        {
            var r = roots[i];
            var subject = Subject(r, out bool reply);
            if (subject.Length == 0 || !table.TryGetValue(subject, out var held) || held == r) { result.Add(r); continue; }
            if (held.IsDummy && r.IsDummy)
            {
                foreach (var c in new List<Node>(r.Children)) held.Add(c);
            }
            else if (held.IsDummy) held.Add(r);
            else
            {
                Subject(held, out bool heldReply);
                if (!heldReply && reply) held.Add(r);
                else
                {
                    // Neither is the other's reply: both become children of a new dummy where the held one stood.
                    var dummy = new Node();
                    int at = result.IndexOf(held);
                    dummy.Add(held);
                    dummy.Add(r);
                    table[subject] = dummy;
                    if (at >= 0) result[at] = dummy;
                    else ReplaceLater(roots, held, dummy);
                }
            }
        }
        return result;
    }

    /// <summary>The held root comes later in the root set than the one merged into it: it is replaced where it stands.</summary>
    private static void ReplaceLater(List<Node> roots, Node held, Node dummy)
    {
        int i = roots.IndexOf(held);
        if (i >= 0) roots[i] = dummy;
    }

    private static string Subject(Node n, out bool reply)
    {
        var m = n.Message ?? (n.Children.Count > 0 ? n.Children[0].Message : null);
        reply = m?.IsReplyOrForward ?? false;
        return m?.BaseSubject ?? "";
    }

    private static void SortTree(Node n)
    {
        foreach (var c in n.Children) SortTree(c);
        n.Children.Sort(ByDate);
    }

    private static string? MessageId(SortItem item)
    {
        var value = item.Message.Headers.GetValue("Message-ID");
        if (value == null) return null;
        foreach (var id in MessageIds(value)) return id;
        return null;
    }

    /// <summary>References' message-ids; without any, the first of In-Reply-To.</summary>
    private static List<string> ReferencedIds(SortItem item)
    {
        var result = new List<string>();
        var references = item.Message.Headers.GetValue("References");
        if (references != null) result.AddRange(MessageIds(references));
        if (result.Count == 0 && item.Message.Headers.GetValue("In-Reply-To") is string inReplyTo)
            foreach (var id in MessageIds(inReplyTo)) { result.Add(id); break; }
        return result;
    }

    /// <summary>
    /// The "&lt;...&gt;" message-ids of a field, brackets and white space removed, comments skipped.
    /// Lenient on purpose (real References fields are often broken), and quick: THREAD reads
    /// two or three of these fields per message.
    /// </summary>
    internal static IEnumerable<string> MessageIds(string value)
    {
        int i = 0, depth = 0;
        while (i < value.Length)
        {
            char c = value[i];
            if (c == '(') depth++;
            else if (c == ')' && depth > 0) depth--;
            else if (c == '<' && depth == 0)
            {
                int end = value.IndexOf('>', i + 1);
                if (end < 0) yield break;
                var id = RemoveWhitespace(value, i + 1, end);
                if (id.Length > 0) yield return id;
                i = end;
            }
            i++;
        }
    }

    private static string RemoveWhitespace(string s, int start, int end)
    {
        int n = 0;
        for (int i = start; i < end; i++) if (s[i] == ' ' || s[i] == '\t') n++;
        if (n == 0) return s.Substring(start, end - start);
        var sb = new StringBuilder(end - start - n);
        for (int i = start; i < end; i++) if (s[i] != ' ' && s[i] != '\t') sb.Append(s[i]);
        return sb.ToString();
    }

    /// <summary>The THREAD reply's list: "(a b)" for a chain, "(a (b)(c))" for siblings, "((b)(c))" under a dummy.</summary>
    public static string Format(List<Node> roots)
    {
        var sb = new StringBuilder();
        foreach (var r in roots)
        {
            sb.Append('(');
            Write(sb, r);
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Node n)
    {
        if (n.Message != null) sb.Append(n.Message.Number.ToString(CultureInfo.InvariantCulture));
        if (n.Children.Count == 1 && n.Message != null)
        {
            sb.Append(' ');
            Write(sb, n.Children[0]);
            return;
        }
        if (n.Children.Count == 0) return;
        if (n.Message != null) sb.Append(' ');
        foreach (var c in n.Children)
        {
            sb.Append('(');
            Write(sb, c);
            sb.Append(')');
        }
    }
}
