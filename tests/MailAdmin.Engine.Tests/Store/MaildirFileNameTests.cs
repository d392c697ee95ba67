using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

public sealed class MaildirFileNameTests
{
    [Theory]
    [InlineData("1700000000.M1P2Q3.host,S=42:2,FRS", "1700000000.M1P2Q3.host,S=42", 42L, MessageFlags.Flagged | MessageFlags.Answered | MessageFlags.Seen, true)]
    [InlineData("1700000000.M1P2Q3.host,S=42", "1700000000.M1P2Q3.host,S=42", 42L, MessageFlags.None, false)]
    [InlineData("1700000000.M1P2Q3.host,S=42,W=44:2,", "1700000000.M1P2Q3.host,S=42,W=44", 42L, MessageFlags.None, true)]
    [InlineData("1234.abc.host:2,DFPRST", "1234.abc.host", null, MessageFlags.Draft | MessageFlags.Flagged | MessageFlags.Passed | MessageFlags.Answered | MessageFlags.Seen | MessageFlags.Deleted, true)]
    [InlineData("1234.abc.host:2,Sab", "1234.abc.host", null, MessageFlags.Seen, true)]
    [InlineData("1234.abc.host;2,T", "1234.abc.host", null, MessageFlags.Deleted, true)]
    public void Names_parse(string name, string baseName, long? size, MessageFlags flags, bool hasInfo)
    {
        var parsed = MaildirFileName.Parse(name);
        Assert.Equal(baseName, parsed.BaseName);
        Assert.Equal(size, parsed.Size);
        Assert.Equal(flags, parsed.Flags);
        Assert.Equal(hasInfo, parsed.HasInfo);
    }

    [Fact]
    public void Every_flag_combination_round_trips_with_sorted_letters()
    {
        for (var f = 0; f < 64; f++)
        {
            var flags = (MessageFlags)f;
            var baseName = MaildirFileName.NewBaseName(123, DateTimeOffset.UtcNow);
            var name = MaildirFileName.WithInfo(baseName, flags);
            var letters = MaildirFileName.FormatFlags(flags);
            Assert.Equal(new string(letters.OrderBy(c => c).ToArray()), letters);
            var parsed = MaildirFileName.Parse(name);
            Assert.Equal(baseName, parsed.BaseName);
            Assert.Equal(flags, parsed.Flags);
            Assert.Equal(123, parsed.Size);
        }
    }

    [Fact]
    public void Keyword_letters_are_parsed_and_written_after_the_flags_in_ascii_order()
    {
        var parsed = MaildirFileName.Parse("1700000000.M1P2Q3.host,S=10:2,cSaRz");
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered, parsed.Flags);
        Assert.Equal("acz", parsed.KeywordLetters);
        Assert.Equal("", MaildirFileName.Parse("1700000000.M1P2Q3.host,S=10:2,S").KeywordLetters);
        var sep = MaildirFileName.InfoSeparator;
        Assert.Equal($"b{sep}2,FSadq", MaildirFileName.WithInfo("b", MessageFlags.Seen | MessageFlags.Flagged, "qda"));
        Assert.Equal($"b{sep}2,", MaildirFileName.WithInfo("b", MessageFlags.None, ""));
    }

    [Fact]
    public void New_names_are_unique_and_safe()
    {
        var now = DateTimeOffset.UtcNow;
        var names = Enumerable.Range(0, 10_000).AsParallel().Select(_ => MaildirFileName.NewBaseName(1, now)).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names.Take(10), n =>
        {
            Assert.DoesNotContain("/", n);
            Assert.DoesNotContain(":", n);
            Assert.DoesNotContain("\\", n);
            Assert.StartsWith(now.ToUnixTimeSeconds() + ".M", n);
            Assert.EndsWith(",S=1", n);
        });
    }
}
