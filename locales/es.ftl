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

## Compartidos por páginas y correos

language-switcher = Idioma
org-deductible = { $org } es una organización exenta de impuestos conforme a la Sección 501(c)(3) del Código de Impuestos Internos (Internal Revenue Code); las donaciones son deducibles de impuestos en la medida en que lo permita la ley.
org-not-deductible = Las contribuciones a { $org } no son deducibles de impuestos como contribuciones caritativas para fines del impuesto federal sobre la renta.
tribute-line = { $kind ->
    [memory] En memoria de { $honoree }
   *[honor] En honor de { $honoree }
}
payment-method = { $paid_with ->
    [us_bank_account] Cuenta bancaria (ACH)
   *[card] Tarjeta
}
frequency-choice = { $frequency ->
    [monthly] Mensual
    [annual] Anual
   *[one_time] Una vez
}

## La página de donación (/donate/{campaign})

donate-title = Haga una donación a { $campaign }
donate-progress = Progreso
donate-progress-label = { $percent }{"\u00A0"}% de la meta recaudado
donate-raised = <strong>{ $raised }</strong> recaudados
donate-of-goal = <strong>{ $percent }{"\u00A0"}%</strong> de la meta de { $goal }
donate-donors = <strong>{ $donors_shown }</strong> { $donors ->
    [one] donante
   *[other] donantes
}
donate-canceled = Se canceló el pago; no se hizo ningún cargo. Puede intentarlo de nuevo abajo.
donate-errors = Por favor, corrija { $error_count ->
    [one] el campo marcado
   *[other] los { $error_count } campos marcados
} abajo.
donate-amount = Cantidad
donate-amount-other = Otra
donate-amount-other-label = Otra cantidad ({ $currency })
donate-frequency = Frecuencia
donate-dues = Cuota de membresía: al menos { $dues_annual } al año o { $dues_monthly } al mes. Su donación le da la membresía por el año o el mes que cubre.
donate-pay-by = Forma de pago
donate-bank-hint = Una cuenta bancaria de los Estados Unidos le cuesta menos a la organización ({ $bank_fee_percent }{"\u00A0"}%{ $has_cap ->
    [yes] , como máximo { $bank_fee_cap }
   *[no] {""}
}); el banco confirma el pago en unos días hábiles.
# Deje <span id="fee-amount">{ $fee }</span> tal cual: el script de la página actualiza la cantidad.
donate-cover-fee = Cubrir la comisión (+<span id="fee-amount">{ $fee }</span>) para que la organización reciba la donación completa
donate-details = Sus datos
donate-name = Nombre
donate-email = Correo electrónico
donate-anonymous = Donar de forma anónima (su nombre no aparecerá en el muro de donantes)
donate-dedicate = Dedicar esta donación (opcional)
donate-dedicate-none = Sin dedicatoria
donate-dedicate-honor = En honor de
donate-dedicate-memory = En memoria de
donate-honoree = Nombre de la persona homenajeada
donate-notify-email = Avisar por correo electrónico (opcional)
donate-notify-email-hint = Podemos avisarle a alguien de esta donación; no compartimos la cantidad a menos que marque la casilla de abajo.
donate-show-amount = Decirle la cantidad de mi donación
donate-message = Mensaje (opcional)
donate-honeypot = Deje este campo vacío
donate-comment = Comentario (opcional)
donate-submit = Continuar al pago
donate-sandbox = Modo de prueba: no se mueve dinero.
donate-closed = Esta campaña no está recibiendo donaciones en este momento.
wall-heading = Muro de donantes
wall-empty = Sea la primera persona en donar.
wall-anonymous = Anónimo
wall-gave = <strong>{ $name }</strong> donó { $amount }
wall-name = <strong>{ $name }</strong>
wall-frequency = { $frequency ->
    [monthly] mensual
    [annual] anual
   *[one_time] única vez
}

## Los errores del formulario, junto a su campo ($field y $label: ver en.ftl).

field-label = { $field ->
    [amount] Cantidad
    [frequency] Frecuencia
    [payment_method] Forma de pago
    [donor-name] Nombre
    [donor-email] Correo electrónico
    [tribute-kind] Dedicatoria
    [tribute-honoree] Nombre de la persona homenajeada
    [tribute-notify_email] Correo electrónico para el aviso
    [tribute-message] Mensaje
    [comment] Comentario
    [email] Correo electrónico
    [page-name] Su nombre
    [page-email] Su correo electrónico
    [page-goal] Su meta
    [page-title] El título
    [page-story] Su historia
    [page-slug] La dirección de la página
   *[other] Este campo
}
field-error-not_a_number = { $field ->
    [page-goal] Escriba su meta en números, como 500 o 500.00.
   *[other] Escriba la cantidad en números, como 50 o 50.00.
}
field-error-not_positive = { $field ->
    [page-goal] La meta debe ser mayor que cero.
   *[other] La cantidad debe ser mayor que cero.
}
field-error-too_many_decimals = { $max ->
    [0] { $field ->
        [page-goal] La meta no admite decimales.
       *[other] La cantidad no admite decimales.
    }
    [one] { $field ->
        [page-goal] La meta admite como máximo un decimal.
       *[other] La cantidad admite como máximo un decimal.
    }
   *[other] { $field ->
        [page-goal] La meta admite como máximo { $max } decimales.
       *[other] La cantidad admite como máximo { $max } decimales.
    }
}
field-error-above_maximum = { $field ->
    [page-goal] Su meta no puede ser mayor que { $max }, la meta de la campaña.
   *[other] La cantidad no puede ser mayor que { $max }.
}
field-error-below_minimum = { $field ->
    [page-goal] Su meta debe ser de al menos { $min }.
   *[other] La donación mínima es de { $min }.
}
field-error-below_dues = La cantidad mínima es de { $least }: la cuota de membresía es de { $annual } al año.
field-error-below_dues_monthly = La cantidad mínima es de { $least } al mes: la cuota de membresía es de { $annual } al año.
field-error-invalid_payment_method = Elija una forma de pago: tarjeta o cuenta bancaria.
field-error-payment_method_not_offered = Esta campaña no acepta esa forma de pago; solo acepta tarjeta.
field-error-fee_not_computable = La cantidad es demasiado alta para calcular la comisión.
field-error-unsupported_currency = La moneda de esta campaña no es compatible.
field-error-invalid_frequency = Elija una frecuencia: una vez, mensual o anual.
field-error-invalid_tribute_kind = Elija «En honor de» o «En memoria de».
field-error-required = { $field ->
    [donor-name] Escriba su nombre.
    [donor-email] Escriba su correo electrónico.
    [page-name] Escriba su nombre.
    [page-email] Escriba su correo electrónico.
    [tribute-honoree] Escriba el nombre de la persona a quien dedica la donación.
   *[other] Este campo es obligatorio.
}
field-error-too_long = { $label }: el texto es demasiado largo (como máximo { $max } caracteres).
field-error-control_characters = { $label }: el texto contiene caracteres no permitidos.
field-error-invalid_slug = { $label }: use solo letras minúsculas, números y guiones sueltos.
field-error-invalid_email = La dirección de correo electrónico no es válida.
field-error-campaign_closed = Esta campaña no está recibiendo donaciones en este momento.
field-error-gateway_failed = El procesador de pagos no respondió; no se hizo ningún cargo. Inténtelo de nuevo.
field-error-form_resent = Este formulario ya se envió con otros datos. Revíselos y continúe de nuevo.
field-error-name_is_contact = Escriba un nombre (la página es pública), no una dirección de correo electrónico ni un número de teléfono.
field-error-not_one_line = { $label }: escríbalo en una sola línea.
field-error-slug_taken = Otra página de recaudación de esta campaña ya usa esa dirección; elija otra.
field-error-slug_not_made = No se pudo formar la dirección a partir de su nombre; elija una.
field-error-fundraiser_not_open = Esta página de recaudación no está recibiendo donaciones en este momento.

## Las páginas de recaudación (/donate/{campaign}/f/{page}): la página de donación con el
## encabezado de quien recauda y, en la página de la campaña, sus páginas de recaudación
## principales (los valores: ver en.ftl).

fundraiser-raising = { $name } recauda fondos para { $campaign }
fundraiser-by = Página de recaudación de <strong id="page-owner">{ $name }</strong> para <a href="{ $campaign_url }">{ $campaign }</a>
fundraiser-goal-heading = La meta de { $name }
fundraiser-progress-label = { $percent }{" "}% de la meta de { $name } recaudado
fundraiser-raised = <strong id="page-raised">{ $raised }</strong> recaudados
fundraiser-donors = <strong id="page-donors">{ $donors_shown }</strong> { $donors ->
    [one] donante
   *[other] donantes
}
fundraiser-share = Comparta esta página
fundraiser-also-counts = Cada donación que se haga aquí también cuenta para { $campaign }:
fundraiser-list-heading = Páginas de recaudación de quienes apoyan la campaña
fundraiser-list-by = de { $name }
fundraiser-list-figures = { $raised } de { $goal } · { $donors_shown } { $donors ->
    [one] donante
   *[other] donantes
}
fundraiser-start = Cree su propia página de recaudación para esta campaña

## Crear una página de recaudación (/donate/{campaign}/fundraise)

fundraiser-signup-title = Cree una página de recaudación para { $campaign }
fundraiser-signup-heading = Recaude fondos para { $campaign }
fundraiser-signup-sent = ¡Gracias! Le enviamos por correo electrónico un enlace privado para confirmar su dirección y administrar su página de recaudación. Debería llegar en unos minutos; revise también su carpeta de correo no deseado.
fundraiser-signup-review = { $org } revisa cada página de recaudación nueva antes de publicarla.
fundraiser-signup-intro = Pida a sus amistades, familiares y seguidores que donen: su página de recaudación lleva su nombre, sus palabras y su propia meta, y cada donación que se haga en ella cuenta para su meta y para { $campaign }. Sin contraseña: le enviamos por correo electrónico un enlace privado para administrarla.
fundraiser-signup-name = Su nombre (aparece en la página)
fundraiser-signup-email = Su correo electrónico (nunca se muestra; aquí le enviamos el enlace de su página)
fundraiser-signup-goal = Su meta ({ $currency })
fundraiser-signup-title-label = Título (opcional)
fundraiser-signup-title-hint = Por ejemplo: «Ana corre el maratón de Chicago por nuestros vecinos». Sin título, la página dice que usted recauda fondos para { $campaign }.
fundraiser-signup-story = Por qué recauda fondos (opcional; solo texto, sin imágenes)
fundraiser-signup-slug = Dirección de la página (opcional)
fundraiser-signup-slug-hint = El final de la dirección de su página, /donate/{ $slug }/f/<em>su-pagina</em>: letras minúsculas, números y guiones. Si no la elige, se forma a partir de su nombre.
fundraiser-signup-submit = Crear mi página
fundraiser-signup-lost = ¿Perdió el enlace de una página de recaudación que creó?

## La página de quien recauda sobre su página, por el enlace que le enviamos
## (/fundraisers/manage/{token})

fundraiser-owner-title = Su página de recaudación
fundraiser-owner-title-bad-link = Este enlace no funciona
fundraiser-owner-sandbox = Modo de prueba: no se mueve dinero; los correos se guardan en la carpeta de correo del servidor.
fundraiser-owner-invalid = Este enlace no es válido: puede que se haya copiado incompleto o que se haya modificado. Abra el enlace de su correo más reciente sobre su página de recaudación o pida uno nuevo abajo.
fundraiser-owner-expired = Este enlace ha vencido, así que ya no se puede cambiar nada con él. Pida uno nuevo abajo: se lo enviaremos a la dirección con la que creó su página de recaudación.
fundraiser-owner-heading = Su página de recaudación para { $campaign }
fundraiser-owner-saved = Se guardó su página de recaudación.
fundraiser-owner-confirmed = Gracias: su dirección quedó confirmada.
fundraiser-owner-standing-heading = El estado de su página
fundraiser-owner-standing = { $standing ->
    [unconfirmed] Su página de recaudación todavía no es pública: confirme que esta dirección de correo electrónico es suya.
    [awaiting_review] Su dirección quedó confirmada. { $org } revisa cada página de recaudación nueva antes de publicarla; le avisaremos por correo electrónico cuando se publique la suya.
    [public] Su página de recaudación es pública. Comparta su dirección con sus amistades, familiares y seguidores.
   *[hidden] { $org } retiró su página de recaudación: no es pública y no recibe donaciones. Las donaciones ya hechas en ella siguen contando.
}
fundraiser-owner-confirm = Confirmar mi dirección
fundraiser-owner-share = La dirección de su página
fundraiser-owner-open = Abrir su página
fundraiser-owner-edit-heading = Cambie su página
fundraiser-owner-errors = Por favor, corrija { $error_count ->
    [one] el campo marcado
   *[other] los { $error_count } campos marcados
} abajo; no se guardó nada.
fundraiser-owner-save = Guardar mi página

## Enlaces nuevos para las páginas de recaudación (/fundraisers/manage)

fundraiser-links-title = Administre su página de recaudación
fundraiser-links-sent = Si esa dirección creó una página de recaudación con nosotros, le enviamos por correo electrónico un enlace privado para administrar cada una. Debería llegar en unos minutos; revise también su carpeta de correo no deseado.
fundraiser-links-intro = Para cambiar una página de recaudación que creó, escriba la dirección de correo electrónico con la que la creó. Le enviaremos a esa dirección un enlace privado para cada una de sus páginas.

## La página de agradecimiento (/donate/{campaign}/thanks)

thanks-title = Gracias
thanks-heading = Gracias por su apoyo a { $campaign }
thanks-gift-heading = Su donación
thanks-gift-line = Su donación de <strong>{ $amount }</strong> { $frequency ->
    [monthly] cada mes
    [annual] cada año
   *[one_time] (única vez)
}{ $fee_covered ->
    [yes] , más <strong>{ $fee }</strong> para cubrir la comisión (<strong>{ $total }</strong> en total)
   *[no] {""}
}.
thanks-manage-hint = Cada recibo que le enviamos por correo electrónico incluye un enlace privado para cambiar la { $paid_with ->
    [us_bank_account] cuenta bancaria
   *[card] tarjeta
} o la cantidad de esta donación, o para cancelarla. ¿Lo perdió? <a href="{ $ask_url }">Reciba un enlace nuevo por correo electrónico</a>.
thanks-dues = Esta donación paga su cuota de membresía.
thanks-paid-with = Forma de pago: { $paid_with ->
    [us_bank_account] cuenta bancaria (ACH)
   *[card] tarjeta
}.
thanks-bank-processing = Su pago bancario se está procesando: los bancos tardan unos días hábiles en confirmarlo. Le enviaremos su recibo por correo electrónico en cuanto el banco lo confirme; no necesita hacer nada más.
thanks-no-gift = Su apoyo significa mucho.
thanks-back = Volver a la campaña
gift-status-succeeded = Recibida: ¡gracias! Su recibo está en camino.
gift-status-active = Recibida: su donación recurrente está activa. Su recibo está en camino.
gift-status-pending = Procesando: estamos confirmando su pago. Esta página mostrará el resultado en cuanto llegue.
gift-status-failed = El pago no se completó; no se hizo ningún cargo.
gift-status-abandoned = Este pago no se completó; no se hizo ningún cargo.
gift-status-refunded = Esta donación fue reembolsada.
gift-status-canceled = Esta donación recurrente está cancelada.
gift-status-other = Estado: { $status }

## La página para administrar una donación recurrente (/manage/{token})

manage-sandbox = Modo de prueba: no se mueve dinero y no se cambia ningún plan real.
manage-heading-gift = Su donación
manage-heading-recurring = Su donación recurrente
manage-heading-running = Administre su donación recurrente
manage-one-time = Esta fue una donación única, así que no hay un plan recurrente que administrar. ¡Gracias!
manage-not-started = Este plan no comenzó con un pago en línea, así que todavía no hay nada que cambiar aquí.
manage-ended = Esta donación recurrente está cancelada. No se harán más cobros.
manage-portal-hint-sandbox = Abre la página de prueba que sustituye al portal de facturación de Stripe.
manage-portal-hint = Abre la página segura de facturación de Stripe, donde puede cambiar la tarjeta o la cantidad. Al terminar, vuelve a esta página.
manage-invalid-heading = Este enlace no es válido
manage-invalid = Este enlace no es válido: puede que se haya copiado incompleto o que se haya modificado. Abra el enlace de su recibo más reciente o pida un enlace nuevo abajo.
manage-expired-heading = Este enlace ha vencido
manage-expired = Este enlace ha vencido, así que ya no se puede cambiar nada con él. Cada recibo de su donación recurrente trae un enlace nuevo: use el de su recibo más reciente o pida un enlace nuevo abajo.
manage-no-plan-heading = Nada que cambiar
manage-no-plan = Esta donación no tiene un plan recurrente activo que cambiar; no se hizo nada.
manage-try-again-heading = Inténtelo de nuevo
manage-gateway-failed = No pudimos comunicarnos con nuestro procesador de pagos, así que no se cambió nada. Inténtelo de nuevo en unos minutos.
manage-store-failed = Algo falló de nuestro lado, así que no se cambió nada. Inténtelo de nuevo en unos minutos.
manage-canceled-now = Su donación recurrente está cancelada. No se harán más cobros y se lo confirmaremos por correo electrónico. Gracias por su apoyo.
manage-canceled-heading = Su donación recurrente está cancelada
manage-canceled-already = Esta donación recurrente ya estaba cancelada; no hacía falta hacer nada más.
manage-campaign = Campaña
manage-amount = Cantidad
manage-status = Estado
manage-started = Desde
manage-ended-on = Cancelada el
manage-update = Cambiar la tarjeta o la cantidad
manage-cancel = Cancelar
manage-cancel-summary = Cancelar esta donación recurrente…
manage-cancel-explained = Al cancelar, se detienen de inmediato todos los pagos futuros de { $amount }. Las donaciones ya hechas no se reembolsan, y un plan cancelado no se puede reanudar (siempre puede empezar una donación nueva).
manage-cancel-confirm = Sí, cancelar mi donación recurrente
manage-ask-again = Enviarme un enlace nuevo por correo electrónico
manage-visit-campaign = Visitar la campaña
plan-status-active = Activa
plan-status-past-due = Activa, pero el último pago no se completó; se volverá a intentar. Actualizar su tarjeta puede ayudar.
plan-status-canceled = Cancelada: no se harán más cobros
plan-status-waiting = Esperando el primer pago
plan-status-expired = Terminada: el primer pago nunca se completó
plan-status-paused = En pausa
plan-status-received = Recibida
plan-status-other = Estado: { $status }
plan-amount = { $amount }{ $frequency ->
    [monthly] {" "}al mes
    [annual] {" "}al año
   *[one_time] {""}
}
plan-fee-note = su donación de { $gift } más { $fee } para cubrir la comisión de procesamiento

## «Administrar mi donación»: enlaces nuevos por correo electrónico (/manage)

manage-request-title = Administre su donación recurrente
manage-request-sandbox = Modo de prueba: los correos se guardan en la carpeta de correo del servidor; no se envían.
manage-request-sent = Si esa dirección tiene una donación recurrente con nosotros, le enviamos por correo electrónico un enlace privado para administrar cada una. Debería llegar en unos minutos; revise también su carpeta de correo no deseado.
manage-request-intro = Para cambiar la tarjeta o la cantidad de una donación mensual o anual, o para cancelarla, escriba la dirección de correo electrónico que usó al donar. Le enviaremos a esa dirección un enlace privado para cada una de sus donaciones recurrentes.
manage-request-email = Correo electrónico
manage-request-submit = Enviarme un enlace
manage-request-rate-limited = Demasiadas solicitudes desde su red. Inténtelo de nuevo en { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}.

## Correos para donantes (los valores: ver en.ftl)

mail-dear = { $named ->
    [yes] Estimado/a { $donor_name }:
   *[no] Estimado/a amigo/a:
}
mail-hello = Hola:
# «su donación mensual»
gift-adjective = { $frequency ->
    [monthly] mensual
    [annual] anual
   *[one_time] única
}
gift-kind = { $frequency ->
    [monthly] Donación mensual
    [annual] Donación anual
   *[one_time] Donación única
}
for-campaign = { $has_campaign ->
    [yes] {" "}para { $campaign }
   *[no] {""}
}
offline-method = { $method ->
    [check] cheque
    [cash] efectivo
   *[other] otro medio
}

## Recibo

receipt-subject = Su recibo por { $dues ->
    [yes] el pago de su cuota de membresía
   *[no] su donación
} a { $org }
receipt-thanks = Gracias por { $dues ->
    [yes] pagar su cuota { gift-adjective } de membresía
   *[no] su donación { gift-adjective }
} a <strong>{ $org }</strong>{ for-campaign }. Este correo es su recibo.
receipt-number = Número de recibo
receipt-date = Fecha
receipt-gift = { $dues ->
    [yes] Cuota de membresía
   *[no] Donación
}
receipt-fee = Comisiones de procesamiento que usted cubrió
receipt-total = Total cobrado
receipt-frequency = Frecuencia
receipt-paid-by = Forma de pago
receipt-dedication = Dedicatoria
receipt-anonymous = Usted pidió donar de forma anónima: su nombre no se muestra públicamente con esta donación.
# Las frases legales: la primera siempre; el resto solo con un EIN (una organización 501(c)(3)).
receipt-legal = No se proporcionaron bienes ni servicios a cambio de esta contribución.{ $has_ein ->
    [yes] {" "}{ $org } es una organización exenta de impuestos conforme a la Sección 501(c)(3) del Código de Impuestos Internos (Internal Revenue Code); su { $dues ->
        [yes] cuota de membresía
       *[no] donación
    } es deducible de impuestos en la medida en que lo permita la ley. Conserve este recibo para sus registros.
   *[no] {""}
}
receipt-dues-not-deductible = La cuota de membresía pagada a { $org } no es deducible de impuestos como contribución caritativa. Conserve este recibo para sus registros.
receipt-manage = Para cancelar su { $dues ->
    [yes] cuota
   *[no] donación
} { gift-adjective }, o para cambiar su { $paid_with ->
    [us_bank_account] cuenta bancaria
   *[card] tarjeta
} o su cantidad, use <a href="{ $manage_url }">este enlace privado</a> (válido hasta el { $manage_until }). Después de esa fecha, <a href="{ $ask_url }">pida un enlace nuevo</a>.
    .text-intro = Para cancelar su { $dues ->
        [yes] cuota
       *[no] donación
    } { gift-adjective }, o para cambiar su { $paid_with ->
        [us_bank_account] cuenta bancaria
       *[card] tarjeta
    } o su cantidad, use este enlace privado (válido hasta el { $manage_until }):
    .text-after = Después de esa fecha, pida un enlace nuevo en { $ask_url }

## Aviso de una donación en honor o en memoria de alguien (a quien se avisa)

tribute-subject = Una donación a { $org } { $tribute_kind ->
    [memory] en memoria de { $honoree }
   *[honor] en honor de { $honoree }
}
tribute-made = { $anonymous ->
    [yes] Una persona que pidió permanecer en el anonimato
   *[no] { $named ->
        [yes] { $donor_name }
       *[no] Una persona amiga
    }
} hizo una donación a <strong>{ $org }</strong>{ for-campaign } { $tribute_kind ->
    [memory] en memoria de { $honoree }
   *[honor] en honor de { $honoree }
}.
tribute-amount = La donación fue de { $gift }{ $frequency ->
    [monthly] {" "}al mes
    [annual] {" "}al año
   *[one_time] {""}
}.
tribute-their-message = Su mensaje:
tribute-grateful = Le estamos muy agradecidos y queríamos que lo supiera.

## Un pago recurrente que no se pudo cobrar

failed-subject = No se pudo cobrar su donación { gift-adjective } a { $org }
failed-intro = No se pudo cobrar su donación { gift-adjective } de <strong>{ $total }</strong> a { $org } el { $date }.
failed-reason = Qué pasó: { $failure }
failed-update = { $paid_with ->
    [us_bank_account] Esto sucede cuando la cuenta bancaria no tiene fondos suficientes, o se cerró o cambió. Es posible que se vuelva a intentar el débito en unos días; si cambió de cuenta, puede
   *[card] Esto sucede cuando una tarjeta vence o se reemplaza. Volveremos a intentar el cobro en unos días; si cambió de tarjeta, puede
} <a href="{ $manage_url }">actualizarla aquí</a> (el enlace es válido hasta el { $manage_until }).
    .text = { $paid_with ->
        [us_bank_account] Esto sucede cuando la cuenta bancaria no tiene fondos suficientes, o se cerró o cambió. Es posible que se vuelva a intentar el débito en unos días; si cambió de cuenta, puede
       *[card] Esto sucede cuando una tarjeta vence o se reemplaza. Volveremos a intentar el cobro en unos días; si cambió de tarjeta, puede
    } actualizarla aquí (válido hasta el { $manage_until }):
failed-stop = Si prefiere detener su donación, en la misma página puede cancelarla. Gracias por su apoyo.

## Una donación recurrente que terminó

canceled-subject = Su donación { gift-adjective } a { $org } fue cancelada
canceled-intro = Su donación { gift-adjective } de <strong>{ $total }</strong> a { $org }{ for-campaign } quedó cancelada a partir del { $date }. No se harán más cobros.
canceled-thanks = Gracias por el apoyo que nos brindó. Si usted no pidió esta cancelación, o si desea volver a donar, simplemente responda a este correo.

## Aviso de reembolso, y su corrección si el reembolso no se completó

refund-subject = Su reembolso de { $org }
refund-intro = { $org } le reembolsó <strong>{ $refund_amount }</strong> de su donación { gift-adjective }{ for-campaign }. El dinero se devuelve a la tarjeta o cuenta con la que pagó; su banco puede tardar de 5 a 10 días hábiles en mostrarlo.
refund-amount = Reembolso
refund-date = Fecha del reembolso
refund-gift = La donación
refund-gift-paid = { $total } pagados el { $date }
refund-receipt-number = número de recibo { $receipt_no }
refund-meaning = Lo que esto significa para su recibo: { $refunded_all ->
    [yes] esta donación se reembolsó por completo, así que ya no es una contribución.{ $has_ein ->
        [yes] {" "}No la declare como deducción de impuestos.
       *[no] {""}
    }
   *[no] { $has_ein ->
        [yes] la cantidad deducible de impuestos de esta donación se reduce ahora a <strong>{ $remaining }</strong>
       *[no] su contribución por esta donación es ahora de <strong>{ $remaining }</strong>
    } (no los { $total } que indica el recibo). Conserve este correo junto con ese recibo.
}
refund-unexpected = Si no esperaba este reembolso, simplemente responda a este correo.
refund-failed-subject = Su reembolso de { $org } no se completó
refund-failed-intro = Le avisamos que se le habían reembolsado { $refund_amount } de su donación { gift-adjective } a { $org }{ for-campaign } el { $refund_date }. Ese reembolso <strong>{ $refund_outcome ->
    [canceled] se canceló
   *[failed] no se completó
}</strong>: el dinero no le llegó y se queda con { $org } como parte de su donación.
refund-failed-meaning = Lo que esto significa para su recibo: { $has_ein ->
    [yes] la cantidad deducible de impuestos de esta donación es de <strong>{ $remaining }</strong>
   *[no] su contribución por esta donación es de <strong>{ $remaining }</strong>
}, no lo que decía nuestro correo sobre el reembolso.
refund-failed-still = Si aún desea que le devolvamos el dinero (por ejemplo, porque la tarjeta con la que pagó está cerrada), responda a este correo y se lo devolveremos de otra forma.

## Enlaces nuevos para administrar donaciones recurrentes

manage-links-subject = Sus enlaces para administrar sus donaciones a { $org }
manage-links-intro = Usted pidió enlaces nuevos para administrar sus donaciones recurrentes a { $org }.{ $has_gifts ->
    [yes] {" "}Cada enlace de abajo abre una página privada donde puede cancelar esa donación o cambiar su tarjeta o su cantidad.
   *[no] {" "}No encontramos ninguna donación recurrente suya que siga activa, así que no hay nada que administrar: no se harán más cobros.
}
manage-links-gift = { $frequency ->
    [annual] Donación anual
   *[monthly] Donación mensual
}{ for-campaign }
manage-links-amount = { $amount } { $frequency ->
    [annual] al año
   *[monthly] al mes
}
manage-links-since = desde el { $started }
manage-links-link = Administrar esta donación
manage-links-valid = válido hasta el { $until }
manage-links-forward = Cualquier persona que tenga uno de estos enlaces puede usarlo, así que no reenvíe este correo.
manage-links-ignore = Si usted no pidió esto, puede ignorar este correo: nada cambia a menos que se use un enlace.

## Correos a quien recauda sobre sus páginas (los valores: ver en.ftl)

fundraiser-welcome-subject = Confirme su página de recaudación para { $campaign }
fundraiser-welcome-thanks = Gracias por crear una página de recaudación para { $campaign }.
fundraiser-welcome-confirm = Para confirmar que esta dirección es suya, abra el enlace privado de su página: <a href="{ $manage_url }">Confirmar y administrar mi página</a>. Con el enlace también puede cambiar las palabras y la meta de su página. Funciona hasta el { $manage_until }; si lo pierde, pida uno nuevo en <a href="{ $ask_url }">{ $ask_url }</a>.
    .text-intro = Para confirmar que esta dirección es suya, abra el enlace privado de su página:
    .text-after = Con el enlace también puede cambiar las palabras y la meta de su página. Funciona hasta el { $manage_until }; si lo pierde, pida uno nuevo en { $ask_url }.
fundraiser-welcome-next = { $needs_review ->
    [yes] { $org } revisa cada página de recaudación nueva antes de publicarla; le avisaremos por correo electrónico cuando se publique la suya.
   *[no] Su página de recaudación se publica en cuanto usted la confirme.
} Luego comparta su dirección con sus amistades:
fundraiser-welcome-forward = Cualquier persona que tenga el enlace privado puede cambiar su página, así que no reenvíe este correo. Si usted no creó una página de recaudación, ignórelo: no se publica nada a menos que se use el enlace.
fundraiser-approved-subject = Su página de recaudación para { $campaign } ya está publicada
fundraiser-approved-intro = Su página de recaudación para { $campaign } ya es pública. Comparta su dirección con sus amistades, familiares y seguidores:
fundraiser-approved-manage = Cada donación que se haga en ella cuenta para su meta y para { $campaign }. Para cambiar su página, use su enlace privado: <a href="{ $manage_url }">Administrar mi página</a> (válido hasta el { $manage_until }).
    .text = Cada donación que se haga en ella cuenta para su meta y para { $campaign }. Para cambiar su página, use su enlace privado:
fundraiser-approved-thanks = Gracias por invitar a otras personas a donar.
fundraiser-links-subject = Sus enlaces para administrar sus páginas de recaudación para { $org }
fundraiser-links-mail-intro = Usted pidió enlaces nuevos para administrar sus páginas de recaudación para { $org }. Cada enlace de abajo abre una página privada donde puede cambiar las palabras y la meta de esa página.
fundraiser-links-untitled = Su página de recaudación
fundraiser-links-manage = Administrar esta página
    .text = Administrarla:
fundraiser-links-share = Compartirla:
fundraiser-links-standing = { $standing ->
    [unconfirmed] Todavía sin confirmar: abra su enlace para confirmar su dirección.
    [awaiting_review] En espera de que { $org } la revise antes de publicarla.
    [hidden] { $org } la retiró: no es pública.
   *[public] {""}
}
    .text = { $standing ->
        [unconfirmed] Todavía sin confirmar: abra el enlace de arriba para confirmar su dirección.
        [awaiting_review] En espera de que { $org } la revise antes de publicarla.
        [hidden] { $org } la retiró: no es pública.
       *[public] {""}
    }
fundraiser-links-forward = Cualquier persona que tenga uno de estos enlaces puede cambiar su página, así que no reenvíe este correo. Si usted no pidió esto, puede ignorar este correo: nada cambia a menos que se use un enlace.

## Resumen anual de donaciones

statement-subject = Su resumen de donaciones de { $year } de { $org }
statement-intro = Gracias por su apoyo a <strong>{ $org }</strong> en { $year }. Este es el resumen de sus donaciones del año.
statement-date = Fecha
statement-gift = Donación
statement-charged = Cobrado
statement-returned = Reembolsado o disputado
statement-net = Neto
statement-gift-kind = { $kind ->
    [monthly] Donación mensual
    [annual] Donación anual
    [check] Donación con cheque
    [cash] Donación en efectivo
    [other] Donación por otro medio
    [offline] Donación fuera de línea
   *[one_time] Donación única
}
statement-dues = (cuota de membresía)
statement-paid-with = { $paid_with ->
    [us_bank_account] con cuenta bancaria (ACH)
   *[card] con tarjeta
}
statement-split = donación { $gift } + comisión cubierta { $fee }
statement-less-returned = menos { $returned } reembolsados o disputados
statement-total = Total de contribuciones de { $year }, descontados reembolsos y disputas
statement-legal = No se proporcionaron bienes ni servicios a cambio de estas contribuciones.{ $has_ein ->
    [yes] {" "}{ $org } es una organización exenta de impuestos conforme a la Sección 501(c)(3) del Código de Impuestos Internos (Internal Revenue Code); sus donaciones son deducibles de impuestos en la medida en que lo permita la ley.
   *[no] {""}
}

## La página de prueba que sustituye a Stripe Checkout (sin clave de Stripe: no se mueve dinero)

sandbox-title = Pago de prueba
sandbox-banner = Modo de prueba: no se mueve dinero. «Pagar» envía a este servidor eventos firmados con el formato de Stripe.
sandbox-gift = Donación de <strong>{ $amount }</strong>{ $frequency ->
    [monthly] {" "}cada mes
    [annual] {" "}cada año
   *[one_time] {""}
} de { $email }, con { $paid_with ->
    [us_bank_account] cuenta bancaria (débito ACH)
   *[card] tarjeta
}.
sandbox-pay = Pagar
sandbox-cancel = Cancelar
sandbox-bank-account = Aquí Stripe pediría la cuenta bancaria (con Financial Connections o con los números de cuenta y de ruta) y la autorización del débito por parte de quien dona.
sandbox-authorize-debit = Autorizar el débito
sandbox-debit-processing = El débito está autorizado y en proceso: Stripe envió <code>checkout.session.completed</code> con <code>payment_status: unpaid</code>. Un banco real responde en unos 4 días hábiles; mientras tanto, la <a href="{ $thanks_url }">página de agradecimiento</a> de quien dona lo indica.
sandbox-bank-answer = Simule la respuesta del banco:
sandbox-debit-clears = El banco confirma el débito
sandbox-debit-fails = El banco rechaza el débito
sandbox-status = Este pago está en estado «{ $status }».
