//! Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`), as apimachinery's
//! `resource.Quantity` reads them: a signed decimal number and a suffix — binary SI
//! (`Ki`…`Ei`), decimal SI (`n`, `u`, `m`, ``, `k`, `M`…`E`) or a decimal exponent
//! (`e3`, `E-2`). Values are held exactly in nano-units (10⁻⁹), which covers every
//! quantity a cluster uses (up to ±1.7·10²⁹); finer fractions round up, as upstream
//! rounds when it scales a quantity down. Comparisons and sums (requests against
//! limits, quota usage) use this form.

use std::fmt;

use crate::field_error::FieldValue;

/// The regular expression upstream quotes when a quantity does not parse.
pub const QUANTITY_FORMAT: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// A parsed quantity, exact to the nano-unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    nanos: i128,
}

/// Why a quantity does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantities must match the regular expression '{QUANTITY_FORMAT}'")]
    Format,
    #[error("quantity is too large")]
    TooLarge,
}

impl Quantity {
    pub const ZERO: Quantity = Quantity { nanos: 0 };

    /// Parses a quantity string.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        let text = text.trim();
        let number_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(text.len());
        // A sign may only lead; `1e-3` puts one after the `e`.
        let (number, suffix) = text.split_at(number_end);
        let (negative, digits) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number.strip_prefix('+').unwrap_or(number)),
        };
        if digits.is_empty() || digits.contains(['+', '-']) || digits.matches('.').count() > 1 || digits == "." {
            return Err(QuantityError::Format);
        }
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        // The number as an integer of `mantissa` × 10^-(fraction digits).
        let mut mantissa: i128 = 0;
        for c in whole.chars().chain(fraction.chars()) {
            let digit = i128::from(c.to_digit(10).ok_or(QuantityError::Format)?);
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(digit))
                .ok_or(QuantityError::TooLarge)?;
        }
        let mut exponent10: i32 = -i32::try_from(fraction.len()).map_err(|_| QuantityError::TooLarge)?;
        let mut binary_shift: u32 = 0;
        match suffix {
            "" => {}
            "n" => exponent10 -= 9,
            "u" => exponent10 -= 6,
            "m" => exponent10 -= 3,
            "k" => exponent10 += 3,
            "M" => exponent10 += 6,
            "G" => exponent10 += 9,
            "T" => exponent10 += 12,
            "P" => exponent10 += 15,
            "E" => exponent10 += 18,
            "Ki" => binary_shift = 10,
            "Mi" => binary_shift = 20,
            "Gi" => binary_shift = 30,
            "Ti" => binary_shift = 40,
            "Pi" => binary_shift = 50,
            "Ei" => binary_shift = 60,
            other => {
                let exponent = other
                    .strip_prefix(['e', 'E'])
                    .filter(|e| !e.is_empty())
                    .ok_or(QuantityError::Format)?;
                let exponent: i32 = exponent.parse().map_err(|_| QuantityError::Format)?;
                exponent10 = exponent10.checked_add(exponent).ok_or(QuantityError::TooLarge)?;
            }
        }
        // nanos = mantissa × 10^(exponent10 + 9) × 2^binary_shift, rounded up.
        let scale = exponent10 + 9;
        let mut nanos = mantissa;
        if scale >= 0 {
            let factor = 10i128
                .checked_pow(scale.unsigned_abs())
                .ok_or(QuantityError::TooLarge)?;
            nanos = nanos.checked_mul(factor).ok_or(QuantityError::TooLarge)?;
            nanos = nanos
                .checked_mul(1i128 << binary_shift)
                .ok_or(QuantityError::TooLarge)?;
        } else {
            nanos = nanos
                .checked_mul(1i128 << binary_shift)
                .ok_or(QuantityError::TooLarge)?;
            let divisor = 10i128.checked_pow(scale.unsigned_abs());
            nanos = match divisor {
                Some(divisor) => (nanos + divisor - 1) / divisor,
                // Smaller than a nano-unit: rounds up to one (zero stays zero).
                None => i128::from(nanos > 0),
            };
        }
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// A quantity of `milli` thousandths (CPU in millicores).
    pub fn from_milli(milli: i64) -> Quantity {
        Quantity {
            nanos: i128::from(milli) * 1_000_000,
        }
    }

    /// A whole number of units (bytes, pods).
    pub fn from_units(units: i64) -> Quantity {
        Quantity {
            nanos: i128::from(units) * 1_000_000_000,
        }
    }

    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }

    pub fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// The value in thousandths, rounded up (`MilliValue`).
    pub fn milli(self) -> i128 {
        self.nanos.div_euclid(1_000_000) + i128::from(self.nanos.rem_euclid(1_000_000) != 0)
    }

    /// The value in whole units, rounded up (`Value`).
    pub fn units(self) -> i128 {
        self.nanos.div_euclid(1_000_000_000) + i128::from(self.nanos.rem_euclid(1_000_000_000) != 0)
    }

    /// The exact value in nano-units.
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        Some(Quantity {
            nanos: self.nanos.checked_add(other.nanos)?,
        })
    }

    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        Some(Quantity {
            nanos: self.nanos.checked_sub(other.nanos)?,
        })
    }
}

/// `text` as upstream's `Quantity.String()` prints it: canonical, in the format it was
/// written in (`1.5Gi` → `1536Mi`, `0.5` → `500m`, `2000` → `2k`); `None` when it is
/// not a quantity.
pub fn canonical(text: &str) -> Option<String> {
    Amount::parse(text).ok().map(|a| a.canonical())
}

/// How a quantity was written, which decides how upstream prints it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// A parsed quantity that remembers its format, as `resource.Quantity` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    pub value: Quantity,
    format: Format,
}

impl Amount {
    pub fn parse(text: &str) -> Result<Amount, QuantityError> {
        let value = Quantity::parse(text)?;
        let text = text.trim();
        let suffix_start = text
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
            .unwrap_or(text.len());
        let suffix = &text[suffix_start..];
        let format = if suffix.ends_with('i') {
            Format::BinarySi
        } else if suffix.len() > 1 && suffix.starts_with(['e', 'E']) {
            Format::DecimalExponent
        } else {
            Format::DecimalSi
        };
        Ok(Amount { value, format })
    }

    /// Upstream's `Quantity.String()`: the canonical form, in the quantity's own format
    /// (`1.5Gi` → `1536Mi`, `0.5` → `500m`, `2000` → `2k`, `1e3` → `1e3`); binary values
    /// below 1024 or with fractions print as decimal.
    pub fn canonical(&self) -> String {
        let nanos = self.value.nanos();
        if nanos == 0 {
            return "0".to_string();
        }
        const UNIT: i128 = 1_000_000_000;
        if self.format == Format::BinarySi && nanos.abs() >= 1024 * UNIT && nanos % UNIT == 0 {
            let mut value = nanos / UNIT;
            let mut times = 0usize;
            while value.abs() >= 1024 && value % 1024 == 0 {
                value /= 1024;
                times += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                .get(times)
                .copied()
                .unwrap_or("");
            return format!("{value}{suffix}");
        }
        let mut value = nanos;
        let mut exponent: i32 = -9;
        while value.abs() >= 10 && value % 10 == 0 {
            value /= 10;
            exponent += 1;
        }
        match exponent.rem_euclid(3) {
            1 => {
                value *= 10;
                exponent -= 1;
            }
            2 => {
                value *= 100;
                exponent -= 2;
            }
            _ => {}
        }
        let suffix = if self.format == Format::DecimalExponent {
            if exponent == 0 {
                String::new()
            } else {
                format!("e{exponent}")
            }
        } else {
            match exponent {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            }
            .to_string()
        };
        format!("{value}{suffix}")
    }

    /// The quantity as upstream prints a `resource.Quantity` bad value: its
    /// `String()`, bare (it is a `fmt.Stringer`, not a string).
    pub fn bare(&self) -> FieldValue {
        FieldValue::Json(self.canonical())
    }

    /// The quantity as upstream prints `quantity.String()` passed as the bad value:
    /// quoted.
    pub fn quoted(&self) -> FieldValue {
        FieldValue::String(self.canonical())
    }

    /// `Value()`: whole units, rounded up.
    pub fn units(&self) -> i128 {
        self.value.units()
    }

    /// `MilliValue()`: thousandths, rounded up.
    pub fn milli(&self) -> i128 {
        self.value.milli()
    }
}

/// Canonical-enough form for messages and status fields: whole units when exact,
/// else milli (`1500m`), else nano (`5n`).
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos % 1_000_000_000 == 0 {
            write!(f, "{}", self.nanos / 1_000_000_000)
        } else if self.nanos % 1_000_000 == 0 {
            write!(f, "{}m", self.nanos / 1_000_000)
        } else {
            write!(f, "{}n", self.nanos)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap()
    }

    #[test]
    fn parses_every_suffix_form() {
        assert_eq!(q("1"), Quantity::from_units(1));
        assert_eq!(q("100m"), Quantity::from_milli(100));
        assert_eq!(q("0.1"), q("100m"));
        assert_eq!(q("1.5Gi").units(), 1_610_612_736);
        assert_eq!(q("1Ki").units(), 1024);
        assert_eq!(q("2k").units(), 2000);
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("5E-3"), q("5m"));
        assert_eq!(q("-2"), Quantity::from_units(-2));
        assert_eq!(q("+2"), Quantity::from_units(2));
        assert_eq!(q("7n").nanos(), 7);
        assert_eq!(q("3u").nanos(), 3000);
        assert_eq!(q("1Ei").units(), 1 << 60);
        assert_eq!(q(".5"), q("500m"));
    }

    #[test]
    fn rounds_up_below_a_nano_and_to_milli() {
        assert_eq!(q("0.0000000001").nanos(), 1);
        assert_eq!(q("1n").milli(), 1);
        assert_eq!(q("1500m").units(), 2);
        assert_eq!(q("0").milli(), 0);
    }

    #[test]
    fn refuses_what_upstream_refuses() {
        for bad in ["", "abc", "1.2.3", "1Qi", "1e", "--1", "1-", "m", "1 Gi x"] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Quantity::parse("1e99999999999").err(), Some(QuantityError::Format));
    }

    #[test]
    fn orders_and_adds() {
        assert!(q("100m") < q("1"));
        assert!(q("1Gi") > q("1G"));
        assert_eq!(q("1").checked_add(q("500m")), Some(q("1.5")));
        assert_eq!(q("1500m").to_string(), "1500m");
        assert_eq!(q("2Ki").to_string(), "2048");
    }
}
