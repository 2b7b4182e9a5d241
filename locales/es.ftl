# Español (de los Estados Unidos): los mensajes de las páginas y los correos para donantes
# (src/i18n). Tiene todos los mensajes de en.ftl (una prueba lo comprueba).

## El idioma, como se nombra a sí mismo (el selector de idioma)

language-name = Español

## Números, cantidades y fechas (CLDR es-US: $1,234.56; 4 de diciembre de 2026)

number-decimal-separator = .
number-group-separator = ,
# La parte entera se agrupa a partir de 3 + este número de cifras: 1 agrupa 1,234.
number-minimum-grouping-digits = 1
money-with-symbol = { $sign }{ $symbol }{ $amount }
money-with-code = { $sign }{ $amount } { $code }
month-name = { $month ->
    [1] enero
    [2] febrero
    [3] marzo
    [4] abril
    [5] mayo
    [6] junio
    [7] julio
    [8] agosto
    [9] septiembre
    [10] octubre
    [11] noviembre
   *[12] diciembre
}
date-long = { $day } de { $month } de { $year }
