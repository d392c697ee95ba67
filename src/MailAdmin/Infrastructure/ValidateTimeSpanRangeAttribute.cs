using System;
using System.Globalization;
using System.Management.Automation;

namespace MailAdmin.Commands;

/// <summary>[ValidateRange] for TimeSpan parameters: bounds as "d.hh:mm:ss" strings, checked when the parameter is bound.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateTimeSpanRangeAttribute : ValidateArgumentsAttribute
{
    public ValidateTimeSpanRangeAttribute(string minimum, string maximum)
    {
        Minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
        Maximum = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);
    }

    public TimeSpan Minimum { get; }
    public TimeSpan Maximum { get; }

    /// <summary>The error for a value outside the range, or null when it is inside.</summary>
    public string? Check(string parameter, TimeSpan value)
        => value < Minimum || value > Maximum
            ? $"-{parameter} {value.ToString("c", CultureInfo.InvariantCulture)} is out of range: it must be between {Minimum.ToString("c", CultureInfo.InvariantCulture)} and {Maximum.ToString("c", CultureInfo.InvariantCulture)}."
            : null;

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject ps ? ps.BaseObject : arguments;
        if (!(value is TimeSpan span)) throw new ValidationMetadataException("The value is not a TimeSpan.");
        var error = Check("value", span);
        if (error != null) throw new ValidationMetadataException(error);
    }
}
