# English: the messages of the donor pages and donor emails (src/i18n). Every other file in
# this folder has every message of this one (a test checks it). Values ({ $name }) are filled in
# by the code; a message's own markup (<strong>, <a>) is kept in HTML and dropped in plain text.

## The language, as it names itself (the language switcher)

language-name = English

## Numbers, amounts and dates (CLDR en)

number-decimal-separator = .
number-group-separator = ,
# The integer part is grouped from 3 + this many digits on: 1 groups 1,234.
number-minimum-grouping-digits = 1
money-with-symbol = { $sign }{ $symbol }{ $amount }
money-with-code = { $sign }{ $amount } { $code }
month-name = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
date-long = { $month } { $day }, { $year }
