//! Magento + Stripe.
//!
//! | flow | job kind | entity | started by | steps |
//! |---|---|---|---|---|
//! | [`OrderPayment`] | `magento.order-payment` | `magento/{store}/order/{entity_id}` | [`MagentoOrderPoller`] (Magento Open Source sends no webhooks); run again by the poller, [`MagentoStripe::pay_again_job`] or a replay once a declined order shows a new payment method | mapped and validated → with [the fraud screen](#the-fraud-screen), screened once (refused: comment, order canceled, never a PaymentIntent) → Stripe PaymentIntent confirmed at once (held for review: authorized only, then comment and Magento hold), or the failed-payment status on a decline, or on `requires_action` the [3-D Secure](#3-d-secure) wait; after a decline, one more attempt per new payment method ([Paying again after a decline](#paying-again-after-a-decline)) |
//! | [`ChargeSucceeded`] | `stripe.charge-succeeded` | `stripe/{account}/charge/{charge id}` | `charge.succeeded`; `charge.captured` (runs the job once more) | with the fraud screen, Radar's outcome recorded ([`RadarRecord`]) → an authorization not captured (a held order's) ends here, booked by its capture's run → offline Magento invoice (Stripe already captured), history comment with the transaction id, status `processing` → ERP customer, sales order, invoice and payment (with the Stripe fee) |
//! | [`ChargeRefunded`] | `stripe.charge-refunded` | the charge's | `charge.refunded` (each one runs the job once more) | one offline Magento credit memo per succeeded Stripe refund → ERP credit memo and refund payment |
//! | [`RefundRequestFlow`] | `magento.refund-request` | `magento/{store}/order/{id}/refund-request/{request id}` | [`MagentoStripe::refund_request_job`], `payops refund magento` (a refund asked for outside Magento) | checked → Stripe refund (idempotent on the request) → the charge's [`ChargeRefunded`] job (credit memos) |
//! | [`Shipment`] | `magento.shipment` | `magento/{store}/order/{id}/shipment/{tracking}` | [`MagentoStripe::shipped_job`] | Magento shipment with its track |
//! | [`Shipment`] | `magento.shipment` | the same | the warehouse's `shipment.created` notice ([`crate::fulfilment::WarehouseWebhooks`]): see [Fulfilment](#fulfilment) | the same |
//! | [`PaymentIntentChanged`] | `stripe.payment-intent` | `stripe/{account}/event/{event id}` | `payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.canceled` | runs [`OrderPayment`] again when its order waits for this PaymentIntent's authentication |
//! | [`AuthenticationNotice`] | `magento.awaiting-authentication` | the attempt's: `magento/{store}/order/{entity_id}/payment-method/{pm}` | [`OrderPayment`], on `requires_action` | a dead letter a person sees: which order waits for 3-D Secure, since when, until when |
//! | [`AuthenticationDeadline`] | `magento.authentication-deadline` | the attempt's | [`OrderPayment`], scheduled at the deadline | runs [`OrderPayment`] again unless the wait ended |
//! | [`OrderPlaced`] | `magento.order-placed` | `magento/{store}/order/#{increment_id}` | Adobe Commerce `observer.sales_order_place_after` without the order's `entity_id` (with it, the webhook names the order's [`OrderPayment`] job itself): see [Adobe Commerce webhooks](#adobe-commerce-webhooks) | the order found by `increment_id` (a wait while Magento does not show it, up to [`LOOKUP_LIMIT`]) → its [`OrderPayment`] job enqueued, unless its state is not `new`/`pending_payment` |
//! | [`DisputeChanged`] | `stripe.dispute` | `stripe/{account}/dispute/{dispute id}` | `charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`, `.funds_reinstated` (each runs the job once more) | the dispute read from Stripe → ERP withdrawal, reinstatement or write-off → order comment (and dispute status) → evidence staged or submitted → a person told: see [Disputes](#disputes) |
//! | [`DisputeDeadline`] | `stripe.dispute-deadline` | the dispute's | [`DisputeChanged`], scheduled [`DisputeCtx::reminder`] before the evidence is due | a person told when no evidence was submitted |
//! | [`FraudWarning`] | `stripe.early-fraud-warning` | `stripe/{account}/fraud-warning/{warning id}` | `radar.early_fraud_warning.created` | refund through [`RefundRequestFlow`], or the order held, and a person told: see [Disputes](#disputes) |
//! | [`CustomerSync`] | `magento.customer` | `magento/{store}/customer/{id}` | Adobe Commerce `observer.customer_save_after`, `observer.customer_register_success` ([`CUSTOMER_TOPICS`]); [`StripeCustomerChanged`]; [`MagentoCustomerPoller`] (each runs the job once more) | both sides read → per-field merge against the stored agreement → Stripe customer created or updated, Magento customer updated, only where they differ: see [Customers](#customers) |
//! | [`StripeCustomerChanged`] | `stripe.customer` | `stripe/{account}/customer/{cus id}` | `customer.created`, `customer.updated`, `customer.deleted` ([`STRIPE_CUSTOMER_TOPICS`]) | linked by `metadata.magento_customer_id`, or by e-mail when exactly one Magento customer has it (else a person told) → the Magento customer's [`CustomerSync`]; deleted → unlinked |
//! | [`RenewalOrder`] | `stripe.renewal-order` | `stripe/{account}/invoice/{in id}` | [`MagentoStripe::renewal_order_job`], once a renewal invoice is paid | a paid `subscription_cycle` invoice of products with `metadata.magento_sku` → the customer's cart, lines, shipping → one Magento order (found by `quote_id` on a retry) → offline invoice naming the Stripe charge: see [`RenewalOrder`] |
//! | [`SubscriptionChanged`] | `stripe.subscription` | `stripe/{account}/subscription/{sub id}` | `customer.subscription.created`, `.updated`, `.deleted` ([`SUBSCRIPTION_TOPICS`]); [`InvoiceChanged`] (each runs the job once more) | the subscription read from Stripe → ERP customer, ERP contract (when it changed) → the Magento customer's subscription state: see [Subscriptions and billing](#subscriptions-and-billing) |
//! | [`InvoiceChanged`] | `stripe.invoice` | `stripe/{account}/invoice/{in id}` | `invoice.finalized`, `.paid`, `.payment_failed`, `.voided`, `.marked_uncollectible` ([`INVOICE_TOPICS`]) | the invoice read from Stripe → ERP billing invoice → payment, write-off or void → a person told of a failed attempt → the subscription's job |
//! | [`CreditNoteIssued`] | `stripe.credit-note` | `stripe/{account}/credit-note/{cn id}` | `credit_note.created` ([`CREDIT_NOTE_TOPICS`]) | the credit note read from Stripe → (once the invoice is booked) ERP credit memo, then a refund payment per refund |
//! | [`ReleaseHeld`] | `magento.release-held` | the order's | [`MagentoStripe::release_held`] | Magento hold lifted → the authorized PaymentIntent captured; its `charge.captured` books it ([`ChargeSucceeded`]): see [the fraud screen](#the-fraud-screen) |
//! | [`CancelHeld`] | `magento.cancel-held` | the order's | [`MagentoStripe::cancel_held`] | the PaymentIntent canceled (the authorization released) → comment, Magento hold lifted, order canceled; nothing booked |
//! | [`HeldReminder`] | `magento.held-reminder` | the order's | [`OrderPayment`], when it holds an order: scheduled [`Config::held_reminder`] (6 days) after the hold | unless the order was released or canceled meanwhile, a person told that it is still held and when Stripe cancels its authorization |
//! | [`RevenueRecognizer`] | `erp.revenue-recognition` | `erp/{store}/backfill/revenue-recognition` | [`MagentoStripe::revenue_recognition`], every given interval | [`erp::Erp::recognize_revenue`] through today by [`Config::recognition`] |
//!
//! # Adobe Commerce webhooks
//!
//! On Adobe Commerce (Magento Open Source sends no webhooks), a hook on the webhook method
//! `observer.sales_order_place_after` pointed at [`crate::intake::AdobeCommerceWebhooks`]
//! (`POST /webhooks/magento`) starts an order's payment at once, and the poller
//! ([`MagentoOrderPoller`]) only finds what a webhook missed. Both name the same
//! [`OrderPayment`] job (`magento.order-payment`, `magento/{store}/order/{entity_id}`), so an
//! order seen both ways has one job and one charge. Make the hook optional (`required="false"`):
//! Commerce throws an exception when a required hook answers other than 2xx or times out, and
//! only logs it for an optional one (reference/magento/docs/webhooks_responses.md, *Logging*),
//! so an outage of this service never fails a checkout, and the poll catches up.
//!
//! Commerce sends `{"eventName": ..., "data": {"order": {...}}}`, the default payload of an
//! observer webhook (reference/magento/docs/webhooks_hooks.md); `eventName` is the intake's
//! topic. A hook whose `fields` reshape the payload must keep `eventName`,
//! `data.order.entity_id` and `data.order.increment_id` where they are. The route reads those
//! two fields only:
//! - a positive `data.order.entity_id` (a JSON number or a string of digits): the order's
//!   [`OrderPayment`] job;
//! - otherwise (absent, `null`): the [`OrderPlaced`] job of `data.order.increment_id`. The event
//!   fires inside Magento's `Order::place()` (`Magento\Sales\Model\Order`: it dispatches
//!   `sales_order_place_before`, places the payment, dispatches `sales_order_place_after`),
//!   which its callers run before they save the order, and Commerce webhooks are synchronous
//!   (Commerce waits for the answer: reference/magento/docs/webhooks_index.md), so the order
//!   has no `entity_id` yet and Magento shows it only after the answer. The job
//!   searches orders on `increment_id` (`eq`); while none has it, the job waits without spending
//!   attempts (the worker's waits for other flows: 1 s, doubling, up to a minute), and after
//!   [`LOOKUP_LIMIT`] (10 minutes) it goes to dead letters naming the number. An order whose
//!   state is not `new` or `pending_payment` is left alone, as the poller leaves it; two orders
//!   with that number (numbers are unique per store view) are a dead letter, not a guess;
//! - neither: the event is stored with a dead letter naming `data.order.increment_id`.
//!
//! [`OrderPayment`] treats an order Magento answers 404 for, before anything was charged, the
//! same way (looked for again for up to [`LOOKUP_LIMIT`]), since a payload may carry an
//! `entity_id` Commerce has not committed yet. Should it still go to dead letters, the poll
//! does not revive it (the same job): replay the dead letter.
//!
//! Store views: the payload's `data.order.store_id` is not read. [`Config`] names the store view
//! by its code while the payload carries the numeric id, so comparing them would be a guess;
//! like the poller's, every order the webhook reports is taken as this store view's and keyed
//! under [`Config::store_code`]. With several store views on one installation, give each
//! service's hook a rule on `data.order.store_id` (hooks take `<rules>`, e.g.
//! `<rule field="..." operator="equal" value="..."/>` in Adobe's use case
//! `src/pages/webhooks/use-cases/order-custom-attributes-validation.md`,
//! AdobeDocs/commerce-extensibility).
//!
//! Customer events (`observer.customer_save_after`, `observer.customer_register_success`, with
//! or without the `observer.` prefix) run the customer's [`CustomerSync`] job, read from
//! `data.customer.id` (a number or a string of digits; without one the event is stored with a
//! dead letter naming the field): see [Customers](#customers).
//!
//! Not confirmed, for want of a captured `observer.sales_order_place_after` delivery:
//! - the name `eventName` carries. Adobe's documented default payload of
//!   `observer.sales_order_place_before` says `"sales_order_place_before"`, without the
//!   `observer.` prefix (the use case above); this workspace's test vector says
//!   `observer.sales_order_place_after`. Both are routed ([`ORDER_PLACED_TOPICS`]);
//! - that `entity_id` is absent or `null`. Adobe's webhooks reference for Adobe Commerce as a
//!   Cloud Service (`src/pages/webhooks/webhooks-reference.md`) lists `increment_id` and no
//!   order-level `entity_id` in `observer.sales_order_place_before`'s payload, and does not list
//!   `observer.sales_order_place_after` at all; on PaaS, `bin/magento webhooks:list:all` shows
//!   which webhook methods an installation offers;
//! - that every caller of `Order::place()` saves the order only after it (seen in third-party
//!   checkouts; Magento's own `OrderService::place` was not read here);
//! - that the rule above filters on `data.order.store_id` as shown (the rule syntax is Adobe's,
//!   the field path is not tried).
//!
//! # Fulfilment
//!
//! With a warehouse configured ([`Config::fulfilment`]), [`ChargeSucceeded`] ends, after the
//! invoice and the ERP documents, with the order's fulfilment request, once (`fulfilment/request`
//! under the charge, which is also the request's `Idempotency-Key`): the order's physical
//! top-level lines (SKU, name, quantity ordered) and its shipping address, dated with the
//! charge's time so that a resend is the same request. An order with no physical line is not
//! sent. The request is mapped with the rest, before the invoice, but an order that cannot be
//! sent (physical lines and no shipping address) is still invoiced and booked: its job then goes
//! to dead letters naming the field, and a replay sends only the request. A warehouse that is
//! down is retried (its `Retry-After` obeyed) without invoicing or booking again; one that
//! refuses the request dead-letters the charge's job, naming the status and its message (a
//! replay sends the request again under the same key).
//!
//! The warehouse's `shipment.created` notices ([`crate::fulfilment`] has their format), on the
//! intake through [`crate::fulfilment::WarehouseWebhooks`], become the [`Shipment`] job of their
//! `order.id` and `tracking_number`: one Magento shipment, with its track, per tracking number,
//! however often the notice comes. A notice about another system's or another store view's
//! order is stored with a dead letter naming `order.system` or `order.account`. The route is
//! always among [`MagentoStripe::routes`], with or without [`Config::fulfilment`]: notices
//! arrive only where the intake has a [`crate::fulfilment::WarehouseWebhooks`] source, and a
//! warehouse that gets its orders some other way can still report its parcels. A service that
//! also runs Shopify + PayTrace replaces that route with
//! [`crate::fulfilment::notice_route`]`([`[`MagentoStripe::shipment_notices`]`, ...])`, added
//! after both pairs' routes (the intake keeps the last route of a system and topic).
//!
//! # Disputes
//!
//! Every `charge.dispute.*` event of a charge this service made runs the dispute's job once more
//! ([`DisputeChanged`]). Events can come late, twice or out of order, so the job reads the
//! dispute from Stripe and does what its state calls for that is not on record yet. It waits
//! (without spending attempts) until the charge's own job has booked the payment. Each run logs
//! the dispute's status, reason, amount, fee and `evidence_details.due_by`.
//!
//! **The ledger** follows the money, from the dispute's `balance_transactions` ("zero, one, or
//! two balance transactions that show funds withdrawn and reinstated", Stripe's Dispute object;
//! see [`mapping::stripe::dispute_funds`]):
//! - the withdrawal books the [`erp::DisputeStage::Opened`] record: the amount held in disputed
//!   funds, the dispute fee (the withdrawal's `fee`) spent, both out of the Stripe clearing
//!   account. Its [`erp::PaymentEntry`] (direction `Withdrawn`, the dispute id as transaction
//!   id) is what the payout's dispute line pairs in [`crate::settlement`];
//! - a reinstatement (a win) books [`erp::DisputeStage::Won`]: the amount back to clearing, and
//!   the fee too when Stripe gives it back (a negative fee on the reinstatement);
//! - a dispute closed `lost` books [`erp::DisputeStage::Lost`]: the held amount written off as
//!   a chargeback loss, dated the day the job finds it lost (Stripe's dispute has no close
//!   time). The fee stays spent.
//!
//! Inquiries (`warning_*`) move no money and book nothing. A balance transaction in another
//! currency than the dispute's is a dead letter naming it: its money could not be booked
//! against the disputed payment.
//!
//! **The store** gets one comment per point of the dispute's life (opened, with the reason and
//! the deadline; won; lost; an inquiry closed). With [`DisputeCtx::status`] the opening comment
//! also sets that status on the order's current state.
//!
//! **Evidence.** While the dispute waits for a response and nothing was submitted, the job
//! assembles its evidence from Magento ([`mapping::stripe::to_dispute_evidence`]): the
//! customer's name and e-mail, both addresses, the IP the order was placed from (`remote_ip`),
//! the lines as product descriptions, each shipment's carrier, tracking number and date
//! (`GET /V1/shipments` by `order_id`), and [`DisputeCtx::refund_policy`]. With
//! [`DisputeCtx::submit_evidence`] it is submitted at once (`submit=true`). Otherwise it is staged
//! (`submit=false`) for a person to complete and submit in Stripe's Dashboard, and a
//! [`DisputeDeadline`] job is scheduled [`DisputeCtx::reminder`] (3 days) before `due_by`. If
//! nothing was submitted by then, it tells a person (`dispute_evidence_due`). A person is told of
//! every dispute once ([`crate::notify::Notice::dispute_opened`]), with the deadline and whether
//! the evidence was submitted or staged.
//!
//! **Early fraud warnings** (`radar.early_fraud_warning.created`, [`FraudWarning`]) are the
//! cheapest moment to avoid a dispute: a warned charge can still be refunded, and a refunded
//! charge cannot be disputed. The decision is recorded first, so a replay follows it:
//! - the warning is no longer `actionable` (refunded or disputed already): nothing;
//! - the charge has money left under [`DisputeCtx::refund_fraud_below`] (same currency) and no
//!   line of the order has shipped (`qty_shipped`): what is left is refunded through
//!   [`RefundRequestFlow`], request `early-fraud-warning-{warning id}`. The Stripe refund is
//!   idempotent on that request and its `charge.refunded` books the credit memo once, so
//!   neither a redelivered warning nor Stripe's refund webhooks double it. The whole-order
//!   credit memo closes the Magento order (an invoiced order cannot be canceled in Magento);
//! - otherwise an order not shipped is put on hold (`POST /V1/orders/{id}/hold`, which stops
//!   Magento shipments until a person releases it), and a shipped one only gets the comment.
//!
//! Each gets a comment and one `early_fraud_warning` notice. A warehouse that already has the
//! fulfilment request is not told to stop: the [`crate::fulfilment::Fulfilment`] trait has no
//! cancellation, so the notice is the person's cue.
//!
//! **Training labels.** Each dispute and each early fraud warning (shipped or not), like each
//! succeeded charge, records what it says of its order (`fraud/outcome`: a `fraudulent` dispute
//! is fraud, any other reason is another dispute), which `payops fraud train` reads back for
//! the orders the fraud screen recorded (see
//! [`screening`](crate::workflows::screening#what-became-of-an-order-the-training-labels)).
//!
//! # Subscriptions and billing
//!
//! Stripe Billing runs the subscriptions (renewals, prorations, retries); this pair books them
//! and shows them in the store. Three flows, each keyed by its Stripe object and run once more
//! by each of its events ([`SubscriptionChanged`], [`InvoiceChanged`], [`CreditNoteIssued`]).
//! Events come late, twice and out of order, so each run reads its object from Stripe and does
//! what its state calls for that is not on record yet; each ERP write is a step done once
//! (see [Exactly once](#exactly-once)). The documents are mapped by [`mapping::erp`]
//! (*Subscription billing*: references, lines, tax).
//!
//! **The customer.** Documents are booked to the linked Magento customer
//! (`magento/{store}/customer/{id}`, the customer sync's reference) when the Stripe customer's
//! `metadata.magento_customer_id` names one (and its `metadata.store`/`store_code`, when set,
//! name this store view), else to a Stripe-keyed ERP customer
//! (`stripe/{account}/customer/{cus id}`); each job writes it once.
//!
//! **Subscriptions.** The contract (`stripe/{account}/subscription/{id}`: items, status,
//! current period, `cancel_at_period_end`) is upserted when it differs from the last one
//! written; a canceled subscription's contract gets status `canceled` and its end date
//! (`ended_at`). The Magento customer's account shows the state in the customer attribute
//! [`SUBSCRIPTION_STATUS_ATTRIBUTE`] (`payops_subscription_status`): `active`, `canceled`, ...,
//! and after a failed renewal `past_due, next retry 2027-01-05` (the latest invoice's
//! `next_payment_attempt`, UTC date). Create the attribute in Magento (a customer attribute of
//! type text, shown in the account) so the storefront can display it.
//!
//! **Invoices.** A finalized invoice (any status but `draft`) with a positive total is booked
//! once as a billing invoice (`stripe/{account}/invoice/{id}`): lines with service periods go
//! to deferred revenue, prorations as negative lines. A paid invoice's payment (its charge,
//! from `payments`, with the fee of its balance transaction) is booked once under the same
//! reference, transaction id and fee as an order's charge (`stripe/{account}/txn/{charge id}`),
//! so payout reconciliation ([`crate::settlement`]) pairs invoice charges like order charges.
//! `uncollectible` is written off to bad debts, `void` reverses the invoice. An invoice paid or
//! voided after being marked uncollectible (Stripe allows both) has its write-off reversed first
//! (`erp/write-off-reversal`, `{invoice ref}/uncollectible/reversed`: Dr receivables, Cr bad
//! debts), then its payment or void is booked. Prices with tax included are booked net of it
//! (the invoice's tax is all its taxes). An invoice that
//! owes nothing (a trial's, proration credits only) is not booked: the ERP books no such
//! invoice, and the credit stays on the customer's Stripe balance.
//!
//! **Failed renewals (dunning).** Stripe retries a failed renewal on its schedule (3, 5, 7 days
//! in the sandbox; Smart Retries or a custom schedule in Stripe). Each failed attempt the
//! invoice's job sees tells the merchant once ([`crate::notify::NoticeKind::RenewalFailed`], facts:
//! invoice, subscription, attempt, amount, `next payment attempt`), and runs the
//! subscription's job, which puts the retry date on the Magento customer. Notices reach
//! operators only ([`crate::notify`] has no customer address): the customer's e-mail about a
//! failed payment is Stripe's own (Dashboard: Billing > Revenue recovery > Emails, "Send emails
//! when card payments fail"), not sent from here. An attempt overtaken by the next one before its
//! event was processed (events delivered late) is not told on its own: the later one is.
//! A recovered invoice (`POST /v1/invoices/{id}/pay`, a retry that succeeds) is paid like any.
//!
//! **Charges of invoices** also come as `charge.succeeded` and `payment_intent.*`. Their
//! PaymentIntents carry no Magento order in their metadata, so [`ChargeSucceeded`] and
//! [`PaymentIntentChanged`] leave them alone (done, not dead letters, nothing booked): the
//! invoice's job books their payment, once.
//!
//! **Credit notes** are booked as a credit memo (`stripe/{account}/credit_note/{id}`, its
//! total) against the invoice, once the invoice's job has booked it (a wait without spending
//! attempts, as refunds wait for their charge), then each of their refunds as a refund payment
//! of its part (`stripe/{account}/credit_note/{id}/refund/{re id}`): the money paid back leaves
//! Stripe's clearing account. The refund's own `charge.refunded` has no Magento order and is
//! left alone, so it is booked once. The part credited to the customer's balance stays a credit
//! on the invoice.
//!
//! **Revenue recognition** runs on the worker's schedule ([`MagentoStripe::revenue_recognition`],
//! [`RevenueRecognizer`]): each run recognises deferred revenue through today (UTC) by
//! [`Config::recognition`] ([`erp::RecognitionSchedule::Daily`] by default, or `MonthEnd`); the
//! ERP recognises each day once, so runs may repeat.
//!
//! Not built: invoice-level discounts not on lines (a dead letter naming `invoice.total`);
//! metered and tiered prices in contracts (a dead letter naming the item's `unit_amount` or
//! `quantity`; their invoices book as usual); credit notes voided after booking; customer
//! balances.
//!
//! # Where the payment method comes from
//!
//! The storefront's checkout collects a Stripe PaymentMethod (Stripe.js) and stores its id in the
//! order payment's additional information under [`PAYMENT_METHOD_KEY`] (`stripe_payment_method`,
//! a `pm_...` id), and optionally the Stripe customer under [`CUSTOMER_KEY`]
//! (`stripe_customer`, a `cus_...` id). Magento returns them in
//! `extension_attributes.payment_additional_info`. An order without a payment method is not
//! charged; no card data ever passes through here.
//!
//! # Paying again after a decline
//!
//! A declined order stays waiting for payment (the failed-payment status belongs to
//! `pending_payment` by default), and the customer may pay it with another card: the
//! storefront's "pay again" page (or an admin) saves the new PaymentMethod's id under
//! [`PAYMENT_METHOD_KEY`], as the checkout did. The order's [`OrderPayment`] job then charges
//! that method once. Each attempt is its own set of effects under
//! `magento/{store}/order/{entity_id}/payment-method/{pm}` (the PaymentIntent, its
//! `Idempotency-Key`, the failed-payment comment, the operator's decline notice, the 3-D Secure
//! records, person's item and deadline job), and the order keeps the latest attempt's method
//! (state `payment/attempt`). A run decides from those records, not from Magento's status:
//! - the latest attempt succeeded (or is `processing`, or authenticated): nothing is charged
//!   again, whatever method the order shows later;
//! - it waits for 3-D Secure: a new method is not charged until that wait ends; when it ends in
//!   failure, the same run goes on to the new method (an expired wait dead-letters the job as
//!   before; replaying it charges a new method the order shows);
//! - it was declined (or its authentication failed): the order is read, and the method it shows
//!   is charged, unless it is blank, was sent before (any attempt: a declined method is never sent
//!   again, even after a replay), the order's `total_paid` is above zero, or Stripe says the
//!   failed attempt's PaymentIntent was paid since (a storefront can confirm it client-side with
//!   another method): one Stripe read per new attempt;
//! - an attempt whose record is missing (the run was cut off between Stripe's answer and the
//!   record) is sent again under its own key, with its own method, whatever the order shows by
//!   then: Stripe answers with the PaymentIntent it made. For that, the method is saved
//!   ([`crate::workflow::StepCtx::save`]) before Stripe is asked: one more store write per
//!   attempt.
//!
//! Each declined attempt gives the order the failed-payment status again with its own comment
//! (it names the attempt's PaymentIntent; e-mailed to the customer per
//! [`Config::notify_declined`]) and sends the operator one
//! [`crate::notify::Notice::payment_declined`], keyed
//! `{order}/payment-method/{pm}/notice/declined`.
//!
//! Who runs the job again: a completed job runs again only when enqueued with
//! [`NewJob::rerun`]. [`MagentoOrderPoller`] does so for an order whose method differs from its
//! latest attempt's (saving the method moves the order's `updated_at`, so the poll finds it),
//! and, for an order with no attempt of this version on record, for one in the failed-payment
//! status; every other order is enqueued as before, a no-op once its job is done. The cost: one
//! store read per order the poll finds, and one run (one Magento read) per declined order seen
//! with a new method. Adobe Commerce's order-placed webhook does not fire when a payment method
//! is saved on an existing order: the poll finds it, or the pay-again page enqueues
//! [`MagentoStripe::pay_again_job`] itself. Jobs are unique per kind and key, and a rerun
//! asked for while the job runs is queued after that run, so two attempts never run at once.
//!
//! Orders in flight when upgrading from the version that kept one PaymentIntent per order: its
//! records under the order itself (`payment-intent`, `payment-failure`, `authentication/...`)
//! are the attempt of the order's first method, finished under those keys as before (the
//! Idempotency-Key stays `{order}/payment-intent`, a 3-D Secure wait ends as it would have).
//! Those records do not say which method they charged. When such an attempt has failed and a run
//! reads the order, the method the order shows then is taken as that attempt's (state
//! `payment/legacy-method`) and is not charged; a later, different method is. So an order whose
//! customer had already saved a new method before this version first read it is not charged
//! with it automatically: the customer saves a method again (any other one is charged), or a
//! person takes the payment by other means. An order's first attempt sends the order's own key
//! (`{order}/payment-intent`, state `payment/first-method`), the key earlier versions sent: a run
//! of an earlier version cut off between Stripe's answer and its record is resumed by this one
//! with the same key and request, and Stripe answers with the same PaymentIntent (within
//! Stripe's 24 hours of idempotency; a different request under that key is refused by Stripe,
//! a dead letter, not a charge). Later attempts send their own keys.
//!
//! # No money before the booking is known to work
//!
//! Before the PaymentIntent, the order is mapped to its canonical form and to its ERP customer,
//! sales order, invoice and payment. An order that fails is not charged: it gets a history
//! comment naming the field (`review`) and goes to dead letters.
//!
//! # The fraud screen
//!
//! A pair built with [`MagentoStripe::fraud_screen`] screens each order once, before its first
//! PaymentIntent, after the order is mapped and validated (an order that cannot be booked is
//! not screened). The facts are [`order_facts`]: the total, e-mail, billing and shipping
//! addresses, the IP the order was placed from (Magento's `remote_ip`, in `sales_order` and the
//! REST order), and the card as the Stripe PaymentMethod's `card.fingerprint` (one
//! `GET /v1/payment_methods/{pm}` per screened order: the `pm_...` id is new at every checkout,
//! so it would not count the same card twice; a method Stripe does not show has none), the
//! registered customer's account (`magento/{store}/customer/{id}`; a guest has none), whose
//! earlier screened orders and their total the velocity store keeps (Magento's order carries no
//! history), and the items' `product_type`s as categories. The IP's country is not known;
//! Stripe's AVS, CVC and Radar results come only with the charge. The
//! [`fraud::Decision`] and the facts are recorded under the order (`fraud/screen`,
//! [`crate::workflows::screening::Screened`]) and written before anything else happens, so a
//! retry or a crash after it neither scores the order again nor counts its velocity twice (a
//! crash between the velocity store's write and that record, milliseconds, counts it once
//! more). A later attempt after a decline follows the same decision; an order first charged
//! before the pair screened is not screened.
//!
//! - approve: charged as without the screen;
//! - review: the PaymentIntent is created with `capture_method=manual` (authorized, not
//!   captured: `charge.succeeded` of the authorization books nothing), then the order gets the
//!   comment `Held for review: {reason}` (its status kept) and Magento's hold
//!   (`POST /V1/orders/{id}/hold`, state `holded`: Magento invoices, ships and cancels no held
//!   order), recorded `fraud/hold` with the PaymentIntent, and a
//!   [`NoticeKind::FraudScreen`](crate::notify::NoticeKind::FraudScreen) notice. A declined
//!   authorization is a decline as usual. One that needs 3-D Secure waits as any; the hold
//!   follows the authentication (the order's run after `payment_intent.amount_capturable_updated`
//!   or the deadline);
//! - refuse: no PaymentIntent, ever; the comment `Refused, not charged: {reason}`, the order
//!   canceled (`POST /V1/orders/{id}/cancel`; Magento's `false` is logged), a notice.
//!
//! A person decides a held order with `payops fraud release|cancel ORDER --by NAME` (through
//! [`decide_held`], which needs only the store) or a library call (there is no console button
//! yet), naming who decides: [`MagentoStripe::release_held`] enqueues [`ReleaseHeld`], which
//! lifts the hold, comments `Released after fraud review by {who}`
//! and captures the PaymentIntent in full under the key `{order}/fraud/release`; Stripe's
//! `charge.captured` runs the charge's [`ChargeSucceeded`] job once more, which invoices and
//! books it once, as any charge. [`MagentoStripe::cancel_held`] enqueues [`CancelHeld`], which
//! cancels the PaymentIntent (`cancellation_reason=fraudulent`, key `{order}/fraud/cancel`), then
//! comments, lifts the hold and cancels the order: nothing is booked. Both refuse
//! ([`HeldError`]) an order that was not held, or was released or canceled already; a release
//! and a cancellation asked for at the same moment are two jobs, and Stripe's PaymentIntent
//! takes only the first (the other dead-letters naming its state). This pair captures every
//! PaymentIntent at once (it has no capture on shipment: `mapping::magento::CaptureMode` is about
//! Magento's invoice), so a release always captures. Stripe cancels an authorization not
//! captured within 7 days ([`AUTHORIZATION_VALIDITY`], card payments): a held order must be
//! decided before. The hold schedules a [`HeldReminder`] job [`Config::held_reminder`] (6 days)
//! later, once (`fraud/hold-reminder`); if the order is still undecided then, a person gets a
//! [`NoticeKind::HeldAuthorizationLapsing`](crate::notify::NoticeKind::HeldAuthorizationLapsing)
//! notice naming the order, its PaymentIntent and when its authorization lapses; a release or
//! cancellation under way or done means no notice.
//!
//! Radar's outcome of each screened order's charge (`outcome.risk_level`, `risk_score`) is
//! recorded by the charge's job under the charge (`fraud/radar`, a [`RadarRecord`] naming the
//! order) and logged, a warning when Radar rated it `highest` or put it in review; nothing more
//! is done about it. It is not folded into the order's `fraud/screen` facts: those are the
//! screen's input as scored, written once before any charge, and a model trained on Radar's
//! outcome would learn from a signal the screen never has when it scores. `payops fraud train`
//! does not read the Radar records yet.
//!
//! # Exactly once
//!
//! | effect | key under the entity | why a repeat is harmless |
//! |---|---|---|
//! | fraud screen | `fraud/screen` (under the order) | on record before the PaymentIntent, saved at once; a run that finds it does not screen again |
//! | notice of a held or refused order | the notice job `{order}/notice/fraud-review`, `{order}/notice/fraud-refuse` | one job per key |
//! | refused order's comment and cancellation | `fraud/refused` | the order's comments and state are checked first |
//! | held order's comment and hold | `fraud/hold` (with the PaymentIntent) | the order's comments and state are checked first; a run that finds the PaymentIntent on record and no hold holds it |
//! | held order's reminder | `fraud/hold-reminder` (when it runs, when the authorization lapses), then the notice job `{order}/notice/fraud-hold-lapsing` | the reminder job's key (kind and order) is unique; one notice job per key |
//! | release: hold lifted, capture | `fraud/unhold`, `fraud/release` | the state is checked first; the key is sent as Stripe's `Idempotency-Key`, and a PaymentIntent captured meanwhile is taken as captured |
//! | cancellation: PaymentIntent, order | `fraud/cancel`, `fraud/cancel-order` | the key is sent as Stripe's `Idempotency-Key`, and one canceled meanwhile is taken as canceled; the order's comments and state are checked first |
//! | Radar's outcome | `fraud/radar` (under the charge) | a record only |
//! | PaymentIntent | `payment-method/{pm}/payment-intent` (under the order: one per payment method tried; `payment-intent` for an attempt recorded before per-method keys) | the key is sent as Stripe's `Idempotency-Key` (the first attempt's is the order's own `payment-intent`, as before per-method keys); the method is on record (`payment/attempt`) before it is sent, so a cut-off run resends the same request |
//! | failed-payment status | `payment-method/{pm}/payment-failure` | the attempt's comment (it names its PaymentIntent) and the order's status are checked first |
//! | decline notice to the operator | `payment-method/{pm}/notice/declined` | a notice is sent once per key |
//! | invoice | `magento/invoice` (under the charge) | the order's `total_invoiced` is checked first |
//! | payment comment | `magento/payment-comment` | the order's comments are checked first |
//! | ERP documents | `erp/customer`, `erp/sales-order`, `erp/invoice`, `erp/payment` | ERP external references |
//! | refund asked for outside Magento | `stripe-refund` (under the request) | the key is sent as Stripe's `Idempotency-Key`, and the charge's refunds are searched for it in their metadata first |
//! | credit memo | `refund/{refund id}/magento/credit-memo` (under the charge) | the order's `total_refunded` is checked first |
//! | ERP refund | `refund/{refund id}/erp/credit-memo`, `.../erp/refund-payment` | ERP external references |
//! | shipment | `magento/shipment` (under the shipment) | the order's shipped quantities are checked first |
//! | fulfilment request | `fulfilment/request` (under the charge) | the key is sent as the warehouse's `Idempotency-Key` |
//! | 3-D Secure status and comment | `payment-method/{pm}/authentication/comment` (under the order) | saved at once; the order's comments are checked first |
//! | PaymentIntent canceled at the deadline | `payment-method/{pm}/authentication/cancel` | the key is sent as Stripe's `Idempotency-Key` |
//! | end of the wait | `payment-method/{pm}/authentication/result` (`authenticated`, `failed`, `expired`) | a record only |
//! | dispute withdrawal, reinstatement, write-off | `erp/withdrawn`, `erp/reinstated`, `erp/lost` (under the dispute) | ERP external references (`stripe/{account}/dispute/{id}/{opened,won,lost}`) |
//! | dispute comments | `magento/opened`, `magento/won`, `magento/lost`, `magento/closed` | the order's comments are checked first |
//! | dispute evidence | `evidence` | Stripe's `evidence_details.submission_count` is read first; a second staging writes the same values |
//! | evidence reminder | `reminder` | the job's key (kind and dispute) is unique |
//! | Stripe customer of a Magento customer | `stripe/customer/{n}` (under the Magento customer; `n` counts the links it had) | the key is sent as Stripe's `Idempotency-Key`; the link (state `stripe/link`) is saved at once |
//! | customer updates, either side | none: state `sync/fields` | only fields that differ from the other side are written, and the agreement is recorded after: a repeat finds nothing to write |
//! | Stripe customer linked by e-mail | `magento/link` (under the Stripe customer) | the key is sent as Stripe's `Idempotency-Key`; metadata set to the same value |
//! | fraud warning's decision, refund, hold, comment | `decision`, then the refund request `early-fraud-warning-{id}`, `magento/hold`, `magento/comment` (under the warning) | the decision is recorded before anything acts on it; the refund request's own keys |
//! | what became of the order, for training ([`screening::OutcomeFact`](crate::workflows::screening::OutcomeFact) naming the order: settled by a charge, a fraud or other dispute by the dispute's `reason`, an early fraud warning, shipped or not) | `fraud/outcome` (under the charge, the dispute, the warning) | a record, written with the job's others: the first one stays (see [`screening`](crate::workflows::screening#what-became-of-an-order-the-training-labels)) |
//! | billing ERP documents | `erp/customer`, `erp/invoice`, `erp/payment`, `erp/write-off`, `erp/write-off-reversal`, `erp/void` (under the invoice), `erp/credit-memo`, `erp/refund-payments` (under the credit note) | ERP external references (`stripe/{account}/invoice/{id}`, `.../uncollectible`, `.../uncollectible/reversed`, `.../void`, `stripe/{account}/txn/{charge}`, `stripe/{account}/credit_note/{id}`, `.../refund/{re id}`) |
//! | ERP contract, Magento subscription state | none: states `erp/contract`, `magento/status` (under the subscription) | written only when they differ from the last write; the contract is an upsert by reference |
//! | failed-attempt notice | notice `{invoice}/notice/renewal-failed/{attempt}` | a notice is sent once per key |
//!
//! # Customers
//!
//! A Magento customer and its Stripe customer are kept in agreement by one job per Magento
//! customer ([`CustomerSync`], `magento/{store}/customer/{id}`), so the two directions never run
//! at once for one customer. Every customer event of either side runs it once more (Adobe
//! Commerce's customer events; Stripe's through [`StripeCustomerChanged`]). A run reads both
//! sides as they are now (events come late, twice, out of order) and compares the synced
//! fields ([`SyncedFields`]: the name as one string, e-mail, phone, the postal part of the
//! default billing address as Stripe holds it) with the fields each side held after the last
//! run (state `sync/fields`, the fingerprint).
//!
//! **Which value wins** ([`merge_field`]), per field:
//! - both sides equal: nothing to do;
//! - only one side differs from the agreement: that side's value;
//! - both differ (a conflict): the newer change by provider time, Magento's `updated_at`
//!   against the newest Stripe customer event's `created` the job was given; **the store wins a
//!   tie** (both are whole seconds). A conflict seen before its Stripe event arrived waits for
//!   it (the field is left as it is on both sides); the event's run decides.
//!
//! With no agreement on record (a link just made by e-mail), neither side's values are changes
//! to compare: the store's win every field (Magento holds the customer's record), whatever the
//! clocks say, and are written to Stripe. The merged fields are written only where a side differs from them (one Stripe
//! update, one Magento `PUT` at most per run), then recorded as the new agreement. A write's
//! echo (the `customer.updated` or Commerce save event it causes) finds both sides equal to
//! the agreement and writes nothing: no ping-pong. Each run's writes are logged with its origin
//! ([`Origin`]: the Magento event, the Stripe event and its time, or an unlink).
//!
//! **Mapping.** Stripe's `name` is [`mapping::address::join_name`] of Magento's `firstname` and
//! `lastname`; back, it is split at its last space ([`mapping::address::split_name`]: "Mary Ann
//! Smith" is "Mary Ann" + "Smith"); a one-word name keeps Magento's last name (Magento requires
//! one). Names are compared joined, so "Ada" + "de la Cruz" is not rewritten as "Ada de la" +
//! "Cruz" until Stripe's name changes. The default billing address maps to Stripe's `address`
//! (street lines folded into `line1` and `line2`); Magento keeps the phone on that address, so a
//! customer without one does not get Stripe's phone. A field one side clears is unset on the
//! other where it can be (Stripe's name, e-mail and phone, by an empty string); where it cannot
//! (Magento requires names, an e-mail and a telephone on an address; the Stripe client cannot
//! unset an address) the two sides keep different values. Each run compares each side with what
//! that side held after the last run (state `sync/fields`, one set per side), so such a field is
//! left apart until either side changes it, never written back. A Stripe customer created (or linked) for a Magento
//! customer carries `metadata.magento_customer_id`, `metadata.store=magento` and
//! `metadata.store_code` (the store view's code), so several Magento stores can share one Stripe
//! account: a Stripe customer whose `store` or `store_code` names another store is left alone.
//!
//! **Linking.** A Magento customer without a Stripe customer gets one. A Stripe customer without
//! `metadata.magento_customer_id` is linked by e-mail (`email eq`) when exactly one Magento
//! customer has it (its metadata is set, once); with none or several, a person is told
//! ([`crate::notify::NoticeKind::CustomerUnlinked`], once per Stripe customer) and links it by
//! setting the metadata in Stripe, whose event then syncs it. A second Stripe customer naming an
//! already linked Magento customer is told, not synced. `customer.deleted` unlinks the two (the
//! next Magento change creates a new Stripe customer); a Magento customer is never deleted.
//!
//! **Orders.** An order of a Magento customer (`customer_id`) whose payment names no
//! [`CUSTOMER_KEY`] pays as the linked Stripe customer (the PaymentIntent's `customer`).
//!
//! **Finding changes without events.** Magento Open Source sends no customer events: the
//! customer backfill ([`MagentoStripe::customer_backfill`], [`MagentoCustomerPoller`]) polls
//! customers by `updated_at` from a checkpoint and runs each one's job once more; on Adobe
//! Commerce it catches what an event missed.
//!
//! **The ERP customer.** Each run ends by writing the ERP customer `magento/{store}/customer/{id}`
//! (the reference the customer's orders are booked to) with the name and e-mail Magento holds
//! after the run and the linked Stripe customer as an [`erp::VaultId`] of gateway `stripe`;
//! only when one of them changed since the last write (state `erp/customer`). An unlinked
//! customer keeps its old Stripe id in the ERP (the [`erp::Erp`] trait removes no vault id) until
//! a new link replaces it.
//!
//! # 3-D Secure
//!
//! A PaymentIntent that Stripe answers with `requires_action` waits for the customer to
//! authenticate with their card issuer (the storefront shows the challenge with Stripe.js). The
//! wait is the attempt's: its records, state (`payment-method/{pm}/authentication`), person's
//! item and deadline job are keyed by the attempt, so a later attempt that needs authentication
//! too has its own (a wait an earlier version started keeps the order's keys). While an attempt
//! waits, a new method on the order is not charged (see
//! [Paying again after a decline](#paying-again-after-a-decline)). The order then gets, once:
//! - the status [`AuthenticationCtx::status`] (`pending_payment` on state `pending_payment` by
//!   default) and the comment "Payment awaits the customer's authentication (3-D Secure) with
//!   their card issuer. Stripe PaymentIntent pi_..."; the comment is e-mailed to the customer
//!   (`is_customer_notified`) when [`Config::notify_authentication`] is on (off by default). An
//!   order already in that status gets the comment alone; another gets it through the
//!   comment-and-status call that also writes the status on Magento 2.4.7+. The state stays
//!   `pending_payment`: Magento's predefined statuses include Pending Payment
//!   (`pending_payment`, the state in which an order waits for a payment gateway) and Payment
//!   Review (`payment_review`) (Adobe Commerce merchant docs, *Order status*:
//!   experienceleague.adobe.com/en/docs/commerce-admin/stores-sales/order-management/orders/order-status,
//!   and the 2.3 archive, commerce-docs.github.io/merchdocs-archive/user-guide/v2.3/sales/order-status.html).
//!   Not `payment_review`: Magento's `Order::canInvoice()` (and the void check `canCancel()`
//!   uses) refuse an order in that state (`isPaymentReview()`), so the invoice of an
//!   authenticated payment could not follow, nor could a person cancel the order;
//! - a dead letter ([`AuthenticationNotice`]) saying which order waits, for which
//!   PaymentIntent, since when and until when; its payload holds the same fields. Nothing of it,
//!   nor of the records, holds the PaymentIntent's `client_secret`. Replayed, it completes once
//!   the wait has ended;
//! - a job scheduled at the deadline ([`AuthenticationCtx::deadline`], 24 hours by default).
//!
//! The order's job then ends its run: a queued job cannot be woken early, so the wait is
//! records and scheduled jobs, which cost no attempt and survive restarts. Each later run of
//! [`OrderPayment`] (a `payment_intent.*` event about that PaymentIntent, the deadline, a replay)
//! reads the PaymentIntent from Stripe and finishes the wait as it says:
//! - `succeeded` (or `processing`, `requires_capture`): recorded `authenticated`;
//!   `charge.succeeded` invoices and books the order as any payment ([`ChargeSucceeded`]);
//! - `requires_payment_method` (Stripe's `payment_intent_authentication_failure`) or `canceled`:
//!   the failed-payment status and comment of a decline, recorded `failed`;
//! - still `requires_action` after the deadline: the PaymentIntent is canceled (`abandoned`),
//!   the order gets the failed-payment status with a comment naming the deadline, and the job
//!   goes to dead letters saying so (replaying it changes nothing). A PaymentIntent decided just
//!   before the cancellation is finished as Stripe says.
//!
//! An event that arrives before the order's PaymentIntent is on record (it is saved as soon as
//! Stripe answers, so only within those milliseconds) does not run the order's job; the deadline
//! does, and finishes the wait as Stripe says then. While an order waits, its deadline job
//! counts among the queued jobs ([`crate::store::Counts::queued`]).
//!
//! A decline ends the run cleanly: the order gets the merchant's failed-payment status and a
//! comment, the job completes and the declined method is never retried; a new method on the
//! order is [paid again](#paying-again-after-a-decline). Mapping errors are permanent (dead letters,
//! naming the field); provider errors are classified by the clients' `From` impls.
//!
//! One [`MagentoStripe`] serves one Magento store view (its store code is part of every key): the
//! PaymentIntents it creates carry `store=magento` and the order's `entity_id` in their metadata,
//! and Stripe charges without them are left alone.
//!
//! ```no_run
//! use std::sync::Arc;
//! use flows::intake::{Intake, StripeWebhooks};
//! use flows::workflows::magento_stripe::{Config, MagentoStripe};
//! use flows::{SqliteStore, Store, Worker, WorkerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(SqliteStore::open("flows.sqlite")?);
//! let magento = magento::Client::builder(
//!     "https://shop.example.com",
//!     magento::Credentials::oauth("consumer-key", "consumer-secret", "token", "token-secret"),
//! )
//! .store_code("default")
//! .build()?;
//! let secret = secrecy::SecretString::from("sk_test_...");
//! let stripe = stripe_client::Client::builder(secret).build()?;
//! let erp: Arc<dyn erp::Erp> = Arc::new(erp::LocalLedger::open("ledger.sqlite3").await?);
//!
//! let flows = MagentoStripe::new(magento, stripe, erp, Config::new("default", "acct_123"));
//! let webhooks = stripe_client::webhook::Webhook::new(secrecy::SecretString::from("whsec_..."));
//! let intake = Intake::new(store.clone()).source(StripeWebhooks::new(webhooks)).routes(flows.routes());
//! let worker = flows.register(Worker::new(store.clone(), WorkerConfig::new("worker-1")));
//! let (stop, shutdown) = tokio::sync::watch::channel(false);
//! let orders = flows.order_backfill(store.clone(), std::time::Duration::from_secs(30));
//! let events = flows.events_backfill(store.clone(), &intake, std::time::Duration::from_secs(300));
//! store.enqueue(orders.job(), flows::now_millis()).await?;
//! store.enqueue(events.job(), flows::now_millis()).await?;
//! let worker = worker.flow(orders).flow(events);
//! let running = tokio::spawn(worker.run(shutdown));
//! // ... later:
//! stop.send(true).ok();
//! running.await.ok();
//! # let _ = intake;
//! # Ok(()) }
//! ```

mod authentication;
mod billing;
mod charge;
mod customer;
mod customer_poller;
mod dispute;
mod fraud_screen;
mod fraud_warning;
mod payment;
mod payout;
mod placed;
mod poller;
mod recognition;
mod refund;
mod refund_request;
mod renewal_order;
mod shipment;
mod subscription_start;

use std::sync::Arc;
use std::time::Duration;

use erp::Erp;
use mapping::erp::{ErpCtx, SettlementFees};
use mapping::magento::FailureCtx;
use mapping::{MappingError, Order, System};
use serde::{Deserialize, Serialize};

pub use crate::workflows::screening::Verdict;
pub use authentication::{
    AuthenticationDeadline, AuthenticationNotice, AwaitingAuthentication, PaymentAttempt,
    PaymentIntentChanged, PaymentIntentEvent,
};
pub use billing::{
    BillingEvent, CREDIT_NOTE_TOPICS, CreditNoteIssued, INVOICE_TOPICS, InvoiceChanged,
    SUBSCRIPTION_STATUS_ATTRIBUTE, SUBSCRIPTION_TOPICS, SubscriptionChanged,
};
pub use charge::ChargeSucceeded;
pub use customer::{
    CUSTOMER_TOPICS, ChangeTimes, CustomerChange, CustomerSync, Origin, PostalAddress,
    STRIPE_CUSTOMER_TOPICS, Side, StripeCustomerChanged, StripeCustomerEvent, SyncedFields,
    merge_field,
};
pub use customer_poller::MagentoCustomerPoller;
pub use dispute::{DISPUTE_TOPICS, DisputeChanged, DisputeDeadline, DisputeDue, DisputeEvent};
pub use fraud_screen::{
    AUTHORIZATION_VALIDITY, CancelHeld, HeldDue, HeldError, HeldOrder, HeldReminder, RadarRecord,
    ReleaseHeld, decide_held, order_facts, radar_assessment,
};
pub use fraud_warning::{FraudWarning, FraudWarningEvent};
pub use payment::{MagentoOrder, OrderPayment};
pub use payout::{PayoutEvent, PayoutPaid};
pub use placed::{LOOKUP_LIMIT, ORDER_PLACED_TOPICS, OrderPlaced, PlacedOrder};
pub use poller::MagentoOrderPoller;
pub use recognition::RevenueRecognizer;

use crate::backfill::{Backfill, StripeEvents};
pub use crate::workflows::RefundRequest;
pub use refund::ChargeRefunded;
pub use refund_request::{RefundRequestFlow, refund_request_job};
pub use renewal_order::{MAGENTO_SKU, RenewalCtx, RenewalInvoice, RenewalOrder};
pub use shipment::{Shipment, Shipped};
pub use subscription_start::{StartSubscription, SubscriptionError};

use crate::StepError;
use crate::intake::{Delivery, Route};
use crate::store::NewJob;
use crate::worker::Worker;
use crate::workflow::{Entity, EntityKey, EventRef, decode, job};

/// Key of the order payment's additional information holding the Stripe PaymentMethod id
/// (`pm_...`) collected at checkout.
pub const PAYMENT_METHOD_KEY: &str = "stripe_payment_method";
/// Key of the order payment's additional information holding the Stripe customer id
/// (`cus_...`), when the checkout has one.
pub const CUSTOMER_KEY: &str = "stripe_customer";

/// Settings of the Magento + Stripe workflows.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The Magento store code (`default`): part of every key and ERP reference.
    pub store_code: String,
    /// The Stripe account (`acct_...`): part of the charges' keys and of the ERP payment and
    /// refund references.
    pub stripe_account: String,
    /// Prefix of the order reference put in the PaymentIntent's metadata (see
    /// `mapping::reference`); empty for a single store.
    pub reference_prefix: String,
    /// The merchant's failed-payment status and its state (Magento has none built in).
    pub failure: FailureCtx,
    /// E-mail invoices and shipments to the customer.
    pub notify_customer: bool,
    /// Where Stripe sends the customer back after a redirect-based authentication. Without one,
    /// PaymentIntents are created with `automatic_payment_methods[allow_redirects]=never`, since
    /// a confirmation without a return URL must not need a redirect.
    pub return_url: Option<String>,
    /// Days from the ERP invoice's date to its due date.
    pub payment_terms_days: u16,
    /// What an order whose payment needs the customer's authentication (3-D Secure) gets.
    pub authentication: AuthenticationCtx,
    /// The warehouse a paid order's fulfilment request goes to, once it is invoiced and booked
    /// (none by default: orders are shipped by other means).
    pub fulfilment: Option<Arc<dyn crate::fulfilment::Fulfilment>>,
    /// How disputes and early fraud warnings are answered: see [Disputes](self#disputes).
    pub disputes: DisputeCtx,
    /// How paid subscription renewals of physical goods are ordered in Magento
    /// ([`RenewalOrder`]).
    pub renewals: RenewalCtx,
    /// When deferred subscription revenue is recognised ([`RevenueRecognizer`]): daily by
    /// default.
    pub recognition: erp::RecognitionSchedule,
    /// How long after an order is held for fraud review its [`HeldReminder`] runs: 6 days by
    /// default, a day before Stripe cancels the authorization ([`AUTHORIZATION_VALIDITY`]).
    pub held_reminder: Duration,
}

/// How Stripe disputes and Radar early fraud warnings of this store's charges are handled: see
/// [Disputes](self#disputes).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DisputeCtx {
    /// The order's status while a dispute is open, on the order's current state (none by
    /// default: the comment alone). Magento has no dispute status: create one (Stores > Settings >
    /// Order Status) and assign it to the states disputed orders are in (`processing`,
    /// `complete`).
    pub status: Option<String>,
    /// Submit the assembled evidence at once (`submit=true`); off by default, when it is staged
    /// (`submit=false`) for a person to review and submit before the deadline.
    pub submit_evidence: bool,
    /// The merchant's refund policy, sent as the evidence's `refund_policy`.
    pub refund_policy: Option<String>,
    /// How long before the evidence deadline a dispute without submitted evidence is told to a
    /// person ([`crate::notify::NoticeKind::DisputeEvidenceDue`]); 3 days when `None`.
    pub reminder: Option<Duration>,
    /// Early fraud warnings on charges under this amount, of orders not shipped yet, are
    /// refunded at once; others hold the order. `None` (the default) refunds none.
    pub refund_fraud_below: Option<mapping::Money>,
}

impl DisputeCtx {
    /// The reminder's lead time before the deadline.
    fn reminder_lead(&self) -> Duration {
        self.reminder
            .unwrap_or(Duration::from_secs(3 * 24 * 60 * 60))
    }
}

/// How an order whose PaymentIntent needs the customer's authentication (3-D Secure,
/// `requires_action`) is handled: see the [module docs](self#3-d-secure).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthenticationCtx {
    /// The order's status while it waits (`pending_payment`, the default status of Magento's
    /// `pending_payment` state).
    pub status: String,
    /// The state that status belongs to (`pending_payment`).
    pub state: magento::OrderState,
    /// E-mail the comment to the customer (the comment's `is_customer_notified`).
    pub notify_customer: bool,
    /// How long the customer has to authenticate before the PaymentIntent is canceled and the
    /// order gets the failed-payment status (24 hours).
    pub deadline: Duration,
}

impl Default for AuthenticationCtx {
    fn default() -> Self {
        Self {
            status: "pending_payment".to_owned(),
            state: magento::OrderState::PendingPayment,
            notify_customer: false,
            deadline: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl Config {
    /// Settings for the store `store_code` and the Stripe account `stripe_account`, with the
    /// failed-payment status `payment_failed` on state `pending_payment`, no customer e-mails, no
    /// return URL and invoices due on receipt.
    pub fn new(store_code: impl Into<String>, stripe_account: impl Into<String>) -> Self {
        Self {
            store_code: store_code.into(),
            stripe_account: stripe_account.into(),
            reference_prefix: String::new(),
            failure: FailureCtx {
                status: "payment_failed".to_owned(),
                state: magento::OrderState::PendingPayment,
                notify_customer: false,
            },
            notify_customer: false,
            return_url: None,
            payment_terms_days: 0,
            authentication: AuthenticationCtx::default(),
            fulfilment: None,
            disputes: DisputeCtx::default(),
            renewals: RenewalCtx::default(),
            recognition: erp::RecognitionSchedule::Daily,
            held_reminder: Duration::from_secs(6 * 24 * 60 * 60),
        }
    }

    /// Sets the status, and the state it belongs to, of an order waiting for its customer's
    /// authentication (`pending_payment` on `pending_payment` by default).
    #[must_use]
    pub fn authentication_status(
        mut self,
        status: impl Into<String>,
        state: magento::OrderState,
    ) -> Self {
        self.authentication.status = status.into();
        self.authentication.state = state;
        self
    }

    /// E-mails the "awaits your authentication" comment to the customer (off by default).
    #[must_use]
    pub fn notify_authentication(mut self, notify: bool) -> Self {
        self.authentication.notify_customer = notify;
        self
    }

    /// Sets how long a customer has to authenticate a payment (24 hours by default).
    #[must_use]
    pub fn authentication_deadline(mut self, deadline: Duration) -> Self {
        self.authentication.deadline = deadline;
        self
    }

    /// Sets the failed-payment status and the state it is assigned to.
    #[must_use]
    pub fn failure_status(mut self, status: impl Into<String>, state: magento::OrderState) -> Self {
        self.failure.status = status.into();
        self.failure.state = state;
        self
    }

    /// E-mails invoices, shipments and failed-payment comments to the customer.
    #[must_use]
    pub fn notify_customer(mut self, notify: bool) -> Self {
        self.notify_customer = notify;
        self.failure.notify_customer = notify;
        self
    }

    /// E-mails the failed-payment comment of a declined order to its customer (Magento's
    /// `is_customer_notified`), off by default; [`Config::notify_customer`] turns it on with
    /// invoices and shipments.
    #[must_use]
    pub fn notify_declined(mut self, notify: bool) -> Self {
        self.failure.notify_customer = notify;
        self
    }

    /// Sets the return URL of redirect-based authentications.
    #[must_use]
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Sets the order reference prefix.
    #[must_use]
    pub fn reference_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.reference_prefix = prefix.into();
        self
    }

    /// Sets the ERP payment terms.
    #[must_use]
    pub fn payment_terms_days(mut self, days: u16) -> Self {
        self.payment_terms_days = days;
        self
    }

    /// Sets the order status of disputed orders (see [`DisputeCtx::status`]).
    #[must_use]
    pub fn dispute_status(mut self, status: impl Into<String>) -> Self {
        self.disputes.status = Some(status.into());
        self
    }

    /// Submits each dispute's evidence at once instead of staging it for a person.
    #[must_use]
    pub fn submit_evidence(mut self, submit: bool) -> Self {
        self.disputes.submit_evidence = submit;
        self
    }

    /// Sets the refund policy text sent with dispute evidence.
    #[must_use]
    pub fn refund_policy(mut self, policy: impl Into<String>) -> Self {
        self.disputes.refund_policy = Some(policy.into());
        self
    }

    /// Sets how long after an order is held for fraud review a person is reminded that it is
    /// still held ([`HeldReminder`]; 6 days).
    #[must_use]
    pub fn held_reminder(mut self, after: Duration) -> Self {
        self.held_reminder = after;
        self
    }

    /// Sets how long before a dispute's evidence deadline a person is reminded (3 days).
    #[must_use]
    pub fn evidence_reminder(mut self, before: Duration) -> Self {
        self.disputes.reminder = Some(before);
        self
    }

    /// Refunds at once the charges under `limit` that an issuer reports as fraud, when their
    /// order has not shipped (see [Disputes](self#disputes)).
    #[must_use]
    pub fn refund_fraud_warnings_below(mut self, limit: mapping::Money) -> Self {
        self.disputes.refund_fraud_below = Some(limit);
        self
    }

    /// Sets when deferred subscription revenue is recognised (daily by default).
    #[must_use]
    pub fn recognition(mut self, schedule: erp::RecognitionSchedule) -> Self {
        self.recognition = schedule;
        self
    }

    /// Sends each paid order's fulfilment request to `warehouse` (see the
    /// [fulfilment section](self#fulfilment)).
    #[must_use]
    pub fn fulfilment(mut self, warehouse: Arc<dyn crate::fulfilment::Fulfilment>) -> Self {
        self.fulfilment = Some(warehouse);
        self
    }
}

/// The key of order `order_id` of store view `store_code`: `magento/{store}/order/{entity_id}`.
fn order_key(store_code: &str, order_id: i64) -> EntityKey {
    EntityKey::new(System::Magento, store_code).child(Entity::Order, order_id)
}

/// What every flow of the pair shares.
#[derive(Clone)]
pub(crate) struct Shared {
    magento: magento::Client,
    stripe: stripe_client::Client,
    erp: Arc<dyn Erp>,
    config: Config,
    /// The fraud screen, when the pair screens orders ([`MagentoStripe::fraud_screen`]).
    screener: Option<crate::workflows::screening::Screener>,
}

impl Shared {
    /// A Magento order's key.
    fn order_key(&self, order_id: i64) -> EntityKey {
        order_key(&self.config.store_code, order_id)
    }

    /// Charge `charge_id` with its balance transaction expanded: the fee is there, and webhooks
    /// do not expand it.
    async fn charge_with_fee(&self, charge_id: &str) -> Result<stripe_client::Charge, StepError> {
        Ok(self
            .stripe
            .charges()
            .expand(["balance_transaction"])
            .retrieve(charge_id)
            .await?)
    }

    /// A Stripe charge's key.
    fn charge_key(&self, charge_id: &str) -> EntityKey {
        EntityKey::new(System::Stripe, &self.config.stripe_account).child(Entity::Charge, charge_id)
    }

    /// The ERP context of documents dated `date`. Payments are posted with their Stripe fee, so
    /// settlement journals must not book the fees again.
    fn erp_ctx(&self, date: time::Date) -> ErpCtx {
        ErpCtx::new(
            System::Magento,
            self.config.store_code.clone(),
            self.config.stripe_account.clone(),
            date,
        )
        .with_payment_terms_days(self.config.payment_terms_days)
        .with_settlement_fees(SettlementFees::OnPayments)
    }

    /// Waits (without spending attempts) until charge `charge_id`'s own job has booked its ERP
    /// payment: what a refund, a dispute or a fraud warning of the charge is booked against.
    async fn await_booking(
        &self,
        ctx: &crate::workflow::StepCtx<'_>,
        charge_id: &str,
    ) -> Result<(), StepError> {
        if ctx
            .read(&self.charge_key(charge_id), &crate::booking::PAYMENT)
            .await?
            .is_none()
        {
            return Err(ctx.wait_for(format_args!("the booking of charge {charge_id}")));
        }
        Ok(())
    }

    /// Charge `charge_id` read from Stripe and the `entity_id` of the Magento order it pays for,
    /// once the charge is booked ([`Self::await_booking`]). `None` (logged, naming `about`) when
    /// the charge is not a Magento order's.
    async fn booked_charge(
        &self,
        ctx: &crate::workflow::StepCtx<'_>,
        charge_id: &str,
        about: &str,
    ) -> Result<Option<(stripe_client::Charge, i64)>, StepError> {
        let charge = self.stripe.charges().retrieve(charge_id).await?;
        let Some(order_id) = self.order_of_charge(&charge).await? else {
            tracing::debug!(charge = %charge_id, %about, "charge is not a Magento order's: ignored");
            return Ok(None);
        };
        self.await_booking(ctx, charge_id).await?;
        Ok(Some((charge, order_id)))
    }

    /// The Magento order a charge pays for: its `entity_id` from the metadata the PaymentIntent
    /// was created with (copied to the charge by Stripe; read from the PaymentIntent when the
    /// charge has none). `None` when the charge is not a Magento order's.
    async fn order_of_charge(
        &self,
        charge: &stripe_client::Charge,
    ) -> Result<Option<i64>, StepError> {
        use mapping::stripe::{META_ORDER_ID, META_STORE};
        let from_intent;
        let metadata = if charge.metadata.contains_key(META_STORE) {
            &charge.metadata
        } else if let Some(intent) = &charge.payment_intent {
            from_intent = self
                .stripe
                .payment_intents()
                .retrieve(intent.id())
                .await?
                .metadata;
            &from_intent
        } else {
            return Ok(None);
        };
        if metadata.get(META_STORE).map(String::as_str) != Some(System::Magento.as_str()) {
            return Ok(None);
        }
        let field = format!("charge.metadata.{META_ORDER_ID}");
        let raw = metadata
            .get(META_ORDER_ID)
            .ok_or_else(|| MappingError::MissingField {
                field: field.clone(),
            })?;
        let id = raw.parse::<i64>().map_err(|_| MappingError::InvalidValue {
            field,
            value: raw.clone(),
            expected: "Magento order entity_id",
        })?;
        Ok(Some(id))
    }
}

/// The Magento + Stripe workflows: their flows, routes, poller and shipment jobs. Cheap to clone.
#[derive(Clone)]
pub struct MagentoStripe {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MagentoStripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoStripe")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl MagentoStripe {
    /// The workflows over these clients. `magento` should address the store view named by
    /// [`Config::store_code`].
    pub fn new(
        magento: magento::Client,
        stripe: stripe_client::Client,
        erp: Arc<dyn Erp>,
        config: Config,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                magento,
                stripe,
                erp,
                config,
                screener: None,
            }),
        }
    }

    /// Screens each order once before its first PaymentIntent with `screener` (see
    /// [the fraud screen](self#the-fraud-screen)): approved orders are charged as before, held
    /// ones authorized and not captured until [`Self::release_held`] or [`Self::cancel_held`],
    /// refused ones never charged. Radar's outcome of each screened order's charge is recorded
    /// ([`RadarRecord`]).
    #[must_use]
    pub fn fraud_screen(self, screener: crate::workflows::screening::Screener) -> Self {
        Self {
            shared: Arc::new(fraud_screen::with_screener(&self.shared, screener)),
        }
    }

    /// Releases order `entity_id`, held by the fraud screen, as `by` (who decides) says:
    /// enqueues its [`ReleaseHeld`] job into `store`, which lifts Magento's hold, comments who
    /// released it and captures the authorized PaymentIntent (once:
    /// the step's key, under the order, is Stripe's `Idempotency-Key`); its `charge.captured`
    /// then invoices and books the order once ([`ChargeSucceeded`]). Refused ([`HeldError`])
    /// for an order the screen did not hold, or that was released or canceled already.
    /// Enqueuing it again while it waits or runs is a no-op.
    pub async fn release_held(
        &self,
        store: &dyn crate::Store,
        entity_id: i64,
        by: &str,
    ) -> Result<(), HeldError> {
        fraud_screen::decide_held(
            store,
            &self.shared.config.store_code,
            entity_id,
            Verdict::Release,
            by,
        )
        .await
    }

    /// Cancels order `entity_id`, held by the fraud screen: enqueues its [`CancelHeld`] job into
    /// `store`, which cancels the PaymentIntent (the authorization is released; nothing is
    /// booked) and the Magento order. Refused ([`HeldError`]) as [`Self::release_held`] is.
    pub async fn cancel_held(
        &self,
        store: &dyn crate::Store,
        entity_id: i64,
        by: &str,
    ) -> Result<(), HeldError> {
        fraud_screen::decide_held(
            store,
            &self.shared.config.store_code,
            entity_id,
            Verdict::Cancel,
            by,
        )
        .await
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The ERP context the workflows book documents dated `date` in: the one to reconcile their
    /// payouts in ([`crate::settlement::reconcile_period`]). Payments are posted with their
    /// Stripe fee, so its settlement journals do not book the fees again.
    pub fn erp_ctx(&self, date: time::Date) -> ErpCtx {
        self.shared.erp_ctx(date)
    }

    /// Registers [`OrderPayment`], [`ChargeSucceeded`], [`ChargeRefunded`], [`Shipment`], the
    /// 3-D Secure flows ([`PaymentIntentChanged`], [`AuthenticationNotice`],
    /// [`AuthenticationDeadline`]), [`OrderPlaced`] (the lookup behind Adobe Commerce's
    /// order-placed webhook), [`RefundRequestFlow`] (refunds asked for outside Magento) and the
    /// dispute flows ([`DisputeChanged`], [`DisputeDeadline`], [`FraudWarning`]) and customer
    /// sync ([`CustomerSync`], [`StripeCustomerChanged`]) and billing ([`SubscriptionChanged`],
    /// [`InvoiceChanged`], [`CreditNoteIssued`]; the [`RevenueRecognizer`] is registered on its
    /// own: [`Self::revenue_recognition`]) and the fraud screen's verdicts on held orders
    /// ([`ReleaseHeld`], [`CancelHeld`]) and their reminder ([`HeldReminder`]).
    pub fn register(&self, worker: Worker) -> Worker {
        worker
            .flow(OrderPayment(Arc::clone(&self.shared)))
            .flow(PaymentIntentChanged(Arc::clone(&self.shared)))
            .flow(AuthenticationNotice(Arc::clone(&self.shared)))
            .flow(AuthenticationDeadline(Arc::clone(&self.shared)))
            .flow(ChargeSucceeded(Arc::clone(&self.shared)))
            .flow(ChargeRefunded(Arc::clone(&self.shared)))
            .flow(Shipment(Arc::clone(&self.shared)))
            .flow(PayoutPaid(Arc::clone(&self.shared)))
            .flow(OrderPlaced(Arc::clone(&self.shared)))
            .flow(RefundRequestFlow(Arc::clone(&self.shared)))
            .flow(DisputeChanged(Arc::clone(&self.shared)))
            .flow(DisputeDeadline(Arc::clone(&self.shared)))
            .flow(FraudWarning(Arc::clone(&self.shared)))
            .flow(CustomerSync(Arc::clone(&self.shared)))
            .flow(StripeCustomerChanged(Arc::clone(&self.shared)))
            .flow(RenewalOrder(Arc::clone(&self.shared)))
            .flow(SubscriptionChanged(Arc::clone(&self.shared)))
            .flow(InvoiceChanged(Arc::clone(&self.shared)))
            .flow(CreditNoteIssued(Arc::clone(&self.shared)))
            .flow(ReleaseHeld(Arc::clone(&self.shared)))
            .flow(CancelHeld(Arc::clone(&self.shared)))
            .flow(HeldReminder(Arc::clone(&self.shared)))
    }

    /// The intake routes: `charge.succeeded`, `charge.captured` and `charge.refunded`, to the job
    /// of their charge; `payment_intent.succeeded`, `payment_intent.payment_failed`,
    /// `payment_intent.canceled` and `payment_intent.amount_capturable_updated`, one
    /// [`PaymentIntentChanged`] job each; `payout.paid`, to the
    /// job of its payout ([`PayoutPaid`]); the dispute events ([`DISPUTE_TOPICS`]), to the job of
    /// their dispute, and `radar.early_fraud_warning.created`, one [`FraudWarning`] job each;
    /// Stripe's customer events, to the job of their customer ([`StripeCustomerChanged`]), and
    /// Adobe Commerce's customer events ([`CUSTOMER_TOPICS`]), to the Magento customer's
    /// [`CustomerSync`].
    /// Adobe Commerce's order-placed webhook ([`ORDER_PLACED_TOPICS`]): the order's
    /// [`OrderPayment`] job when the payload has its `entity_id`, else an [`OrderPlaced`] job
    /// that finds it by `increment_id` (see [Adobe Commerce webhooks](self#adobe-commerce-webhooks)).
    /// The warehouse's `shipment.created` notices, to the [`Shipment`] job of their order and
    /// tracking number (see [Fulfilment](self#fulfilment)).
    pub fn routes(&self) -> Vec<Route> {
        let succeeded = ChargeSucceeded(Arc::clone(&self.shared));
        let captured = ChargeSucceeded(Arc::clone(&self.shared));
        let refunded = ChargeRefunded(Arc::clone(&self.shared));
        let paid_out = PayoutPaid(Arc::clone(&self.shared));
        let intents = [
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            "payment_intent.canceled",
            // An authorized PaymentIntent (a held order's, after 3-D Secure).
            "payment_intent.amount_capturable_updated",
        ]
        .map(|topic| {
            let changed = PaymentIntentChanged(Arc::clone(&self.shared));
            Route::new(System::Stripe, topic, move |d: &Delivery<'_>| {
                job(&changed, &PaymentIntentEvent::of(d)?)
            })
        });
        let mut routes = vec![
            Route::new(
                System::Stripe,
                "charge.succeeded",
                move |d: &Delivery<'_>| job(&succeeded, &ChargeEvent::of(d)?),
            ),
            // The capture of an authorization (a held order released): the charge's job once
            // more, which books what `charge.succeeded` could not.
            Route::new(
                System::Stripe,
                "charge.captured",
                move |d: &Delivery<'_>| {
                    Ok(NewJob {
                        rerun: true,
                        ..job(&captured, &ChargeEvent::of(d)?)?
                    })
                },
            ),
            Route::new(
                System::Stripe,
                "charge.refunded",
                move |d: &Delivery<'_>| refund::refunded_job(&refunded, d),
            ),
        ];
        routes.extend(intents);
        routes.push(Route::new(
            System::Stripe,
            "payout.paid",
            move |d: &Delivery<'_>| job(&paid_out, &PayoutEvent::of(d)?),
        ));
        routes.extend(DISPUTE_TOPICS.map(|topic| {
            let disputes = DisputeChanged(Arc::clone(&self.shared));
            Route::new(System::Stripe, topic, move |d: &Delivery<'_>| {
                dispute::dispute_job(&disputes, d)
            })
        }));
        let warnings = FraudWarning(Arc::clone(&self.shared));
        routes.push(Route::new(
            System::Stripe,
            fraud_warning::WARNING_CREATED,
            move |d: &Delivery<'_>| job(&warnings, &FraudWarningEvent::of(d)?),
        ));
        // Adobe Commerce's order-placed webhook, under either name its `eventName` may carry.
        routes.extend(ORDER_PLACED_TOPICS.map(|topic| {
            let shared = Arc::clone(&self.shared);
            Route::new(System::Magento, topic, move |d: &Delivery<'_>| {
                placed::plan(&shared, d)
            })
        }));
        // Customer sync: Stripe's customer events, and Adobe Commerce's customer events.
        routes.extend(STRIPE_CUSTOMER_TOPICS.map(|topic| {
            let customers = StripeCustomerChanged(Arc::clone(&self.shared));
            Route::new(System::Stripe, topic, move |d: &Delivery<'_>| {
                customer::stripe_customer_job(&customers, d)
            })
        }));
        routes.extend(CUSTOMER_TOPICS.map(|topic| {
            let sync = CustomerSync(Arc::clone(&self.shared));
            Route::new(System::Magento, topic, move |d: &Delivery<'_>| {
                customer::magento_customer_job(&sync, d)
            })
        }));
        // Subscriptions and billing: each event runs its object's job once more.
        routes.extend(SUBSCRIPTION_TOPICS.map(|topic| {
            let flow = SubscriptionChanged(Arc::clone(&self.shared));
            Route::new(System::Stripe, topic, move |d: &Delivery<'_>| {
                flow.job_of(d)
            })
        }));
        routes.extend(INVOICE_TOPICS.map(|topic| {
            let flow = InvoiceChanged(Arc::clone(&self.shared));
            Route::new(System::Stripe, topic, move |d: &Delivery<'_>| {
                flow.job_of(d)
            })
        }));
        routes.extend(CREDIT_NOTE_TOPICS.map(|topic| {
            let flow = CreditNoteIssued(Arc::clone(&self.shared));
            Route::new(System::Stripe, topic, move |d: &Delivery<'_>| {
                flow.job_of(d)
            })
        }));
        // The warehouse's shipment notices, to the shipment job of their tracking number.
        let shipments = Shipment(Arc::clone(&self.shared));
        routes.push(Route::new(
            System::Warehouse,
            crate::fulfilment::SHIPMENT_CREATED,
            move |d: &Delivery<'_>| shipment::plan_notice(&shipments, d),
        ));
        routes
    }

    /// How this store view's shipment notices become [`Shipment`] jobs, for
    /// [`crate::fulfilment::notice_route`] in a service that runs several store pairs (the
    /// notice route of [`Self::routes`] serves this store view alone).
    pub fn shipment_notices(&self) -> crate::fulfilment::NoticePlan {
        let shipments = Shipment(Arc::clone(&self.shared));
        crate::fulfilment::NoticePlan::new(
            System::Magento,
            self.shared.config.store_code.clone(),
            move |d: &Delivery<'_>| shipment::plan_notice(&shipments, d),
        )
    }

    /// The poller that finds this store's orders waiting for payment, enqueuing into `store`.
    pub fn poller(&self, store: impl crate::IntoStore) -> MagentoOrderPoller {
        MagentoOrderPoller::new(
            store.into_store(),
            self.shared.magento.clone(),
            self.order_payment(),
        )
    }

    /// The poller that finds this store's changed customers, enqueuing into `store` (see
    /// [`MagentoCustomerPoller`]).
    pub fn customer_poller(&self, store: impl crate::IntoStore) -> MagentoCustomerPoller {
        MagentoCustomerPoller::new(
            store.into_store(),
            self.shared.magento.clone(),
            CustomerSync(Arc::clone(&self.shared)),
        )
    }

    /// The Magento customer backfill on the worker's schedule, polling every `every` (Magento
    /// Open Source has no customer events): register it on the worker and enqueue its
    /// [`Backfill::job`] at start-up.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::magento_stripe::MagentoStripe,
    /// #     store: std::sync::Arc<flows::SqliteStore>, worker: flows::Worker)
    /// #     -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::Store;
    /// let customers = flows.customer_backfill(store.clone(), std::time::Duration::from_secs(60));
    /// store.enqueue(customers.job(), flows::now_millis()).await?;
    /// let worker = worker.flow(customers);
    /// # let _ = worker;
    /// # Ok(()) }
    /// ```
    pub fn customer_backfill(
        &self,
        store: impl crate::IntoStore,
        every: std::time::Duration,
    ) -> Backfill<MagentoCustomerPoller> {
        Backfill::new(self.customer_poller(store), every)
    }

    /// The Magento order backfill on the worker's schedule, polling every `every`: register it
    /// on the worker and enqueue its [`Backfill::job`] at start-up.
    pub fn order_backfill(
        &self,
        store: impl crate::IntoStore,
        every: std::time::Duration,
    ) -> Backfill<MagentoOrderPoller> {
        Backfill::new(self.poller(store), every)
    }

    /// The Stripe events backfill of the configured account through `intake` (which holds this
    /// pair's [`routes`](Self::routes) and a [`crate::intake::StripeWebhooks`] source), polling
    /// every `every`: the events whose webhooks never came run their jobs once. Register it on
    /// the worker and enqueue its [`Backfill::job`] at start-up; set its look-back on
    /// [`Backfill::new`]'s poller with [`StripeEvents::lookback`] before, if 3 days is not it.
    pub fn events_backfill(
        &self,
        store: impl crate::IntoStore,
        intake: &crate::intake::Intake,
        every: std::time::Duration,
    ) -> Backfill<StripeEvents> {
        Backfill::new(self.stripe_events(store, intake), every)
    }

    /// The periodic recognition of deferred subscription revenue by [`Config::recognition`],
    /// run every `every` (an hour, say: a run books only the days not recognised yet). Register
    /// it on the worker and enqueue its [`Backfill::job`] at start-up.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::magento_stripe::MagentoStripe,
    /// #     store: std::sync::Arc<flows::SqliteStore>, worker: flows::Worker)
    /// #     -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::Store;
    /// let revenue = flows.revenue_recognition(std::time::Duration::from_secs(3600));
    /// store.enqueue(revenue.job(), flows::now_millis()).await?;
    /// let worker = worker.flow(revenue);
    /// # let _ = worker;
    /// # Ok(()) }
    /// ```
    pub fn revenue_recognition(&self, every: std::time::Duration) -> Backfill<RevenueRecognizer> {
        Backfill::new(self.revenue_recognizer(), every)
    }

    /// The recognition poller of [`Self::revenue_recognition`] (set its clock with
    /// [`RevenueRecognizer::today`] before wrapping it in a [`Backfill`]).
    pub fn revenue_recognizer(&self) -> RevenueRecognizer {
        RevenueRecognizer::new(Arc::clone(&self.shared))
    }

    /// The Stripe events poller of the configured account (see [`Self::events_backfill`]).
    pub fn stripe_events(
        &self,
        store: impl crate::IntoStore,
        intake: &crate::intake::Intake,
    ) -> StripeEvents {
        StripeEvents::new(
            store,
            intake.clone(),
            self.shared.stripe.clone(),
            &self.shared.config.stripe_account,
        )
    }

    /// The order payment flow (for its jobs: see [`crate::workflow::job`]).
    pub fn order_payment(&self) -> OrderPayment {
        OrderPayment(Arc::clone(&self.shared))
    }

    /// The dispute flow (for its jobs: a replay of a dispute after a fix, say).
    pub fn dispute(&self) -> DisputeChanged {
        DisputeChanged(Arc::clone(&self.shared))
    }

    /// The dispute reminder flow (for its jobs: a reminder run now).
    pub fn dispute_deadline(&self) -> DisputeDeadline {
        DisputeDeadline(Arc::clone(&self.shared))
    }

    /// The early fraud warning flow (for its jobs).
    pub fn fraud_warning(&self) -> FraudWarning {
        FraudWarning(Arc::clone(&self.shared))
    }

    /// The [`OrderPayment`] job of order `entity_id`, run once more even when it is done
    /// ([`NewJob::rerun`]): enqueue it ([`crate::Store::enqueue`]) when a storefront's or an
    /// admin's "pay again" page has saved a new payment method on a declined order, rather than
    /// waiting for the poll to find the order (see
    /// [Paying again after a decline](self#paying-again-after-a-decline)). A run charges nothing
    /// unless the order's latest attempt failed and its method is a new one, so enqueuing it
    /// again is harmless.
    pub fn pay_again_job(&self, entity_id: i64) -> Result<NewJob, StepError> {
        Ok(NewJob {
            rerun: true,
            ..job(&self.order_payment(), &MagentoOrder { entity_id })?
        })
    }

    /// The job that refunds `request` (whose `order_id` is the order's `entity_id`) from outside
    /// Magento (see [`RefundRequestFlow`]): enqueue it ([`crate::Store::enqueue`]) for a worker
    /// with these workflows registered. The same request (store view, order and request id)
    /// names the same job, so it refunds once however often it is enqueued.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::magento_stripe::MagentoStripe,
    /// #     store: std::sync::Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::Store;
    /// use flows::workflows::RefundRequest;
    /// let request = RefundRequest::new(42, "15.00".parse()?, "USD", "CM-2026-0042")
    ///     .reason("damaged in transit");
    /// let job = flows.refund_request_job(&request)?;
    /// store.enqueue(job, flows::now_millis()).await?;
    /// # Ok(()) }
    /// ```
    pub fn refund_request_job(&self, request: &RefundRequest) -> Result<NewJob, StepError> {
        refund_request_job(&self.shared.config.store_code, request)
    }

    /// The [`CustomerSync`] job of Magento customer `customer_id`, run once more: enqueue it
    /// ([`crate::Store::enqueue`]) to sync a customer now (an import, a change made with
    /// webhooks off). A run writes only what differs since both sides last agreed (see
    /// [Customers](self#customers)), so enqueuing it again is harmless.
    ///
    /// ```no_run
    /// # async fn run(flows: flows::workflows::magento_stripe::MagentoStripe,
    /// #     store: std::sync::Arc<flows::SqliteStore>) -> Result<(), Box<dyn std::error::Error>> {
    /// use flows::Store;
    /// let job = flows.customer_sync_job(42)?;
    /// store.enqueue(job, flows::now_millis()).await?;
    /// # Ok(()) }
    /// ```
    pub fn customer_sync_job(&self, customer_id: i64) -> Result<NewJob, StepError> {
        customer::sync_job(
            &CustomerSync(Arc::clone(&self.shared)),
            customer_id,
            Origin::Magento { event: None },
        )
    }

    /// The [`Shipment`] job of a shipment: enqueue it with [`crate::Store::enqueue`] when the
    /// warehouse reports the parcel (enqueuing the same tracking number again is a no-op).
    pub fn shipped_job(&self, shipped: &Shipped) -> Result<NewJob, StepError> {
        job(&Shipment(Arc::clone(&self.shared)), shipped)
    }
}

/// The input of the charge flows: a Stripe event and the charge it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeEvent {
    /// The event in the inbox.
    pub event: EventRef,
    /// The charge id (`ch_...`).
    pub charge_id: String,
}

impl ChargeEvent {
    /// The input of a delivered charge event; one without `data.object.id` is an error naming it.
    fn of(delivery: &Delivery<'_>) -> Result<Self, StepError> {
        Ok(Self {
            event: delivery.event(),
            charge_id: object_id(delivery)?,
        })
    }
}

/// The `data.object.id` of a delivered Stripe event; a missing or blank one is an error naming
/// it.
fn object_id(delivery: &Delivery<'_>) -> Result<String, StepError> {
    #[derive(Deserialize)]
    struct Object {
        id: Option<String>,
    }
    let object: Object = event_object(delivery)?;
    Ok(object
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| MappingError::MissingField {
            field: "data.object.id".to_owned(),
        })?)
}

/// The `data.object` of a delivered Stripe event, read as only what a route needs (the flow
/// reads the whole event later, in its API version).
fn event_object<T: serde::de::DeserializeOwned>(delivery: &Delivery<'_>) -> Result<T, StepError> {
    #[derive(Deserialize)]
    struct Event<T> {
        data: Data<T>,
    }
    #[derive(Deserialize)]
    struct Data<T> {
        object: T,
    }
    let event: Event<T> = decode(delivery.body, delivery.topic)?;
    Ok(event.data.object)
}

/// A Magento order as a canonical order (order currency).
fn canonical(order: &magento::Order) -> Result<Order, StepError> {
    Ok(Order::try_from(order)?)
}

/// The Stripe event a job's input points to, decoded from the inbox.
async fn stripe_event(
    ctx: &crate::workflow::StepCtx<'_>,
    event: &EventRef,
) -> Result<stripe_client::Event, StepError> {
    let body = ctx.event_body(event).await?;
    // Stripe's own reader: the object in the event's API version, errors with their full path.
    stripe_client::Event::from_slice(&body)
        .map_err(|e| StepError::permanent(format!("stripe event {}: {e}", event.event_id)))
}

/// The charge an event carries.
fn event_charge(event: &stripe_client::Event) -> Result<&stripe_client::Charge, StepError> {
    match &event.data.object {
        stripe_client::EventObject::Charge(charge) => Ok(charge),
        other => Err(StepError::permanent(format!(
            "stripe event {}: data.object is {:?}, expected a charge",
            event.id,
            other.object_name().unwrap_or("unknown")
        ))),
    }
}

/// Checks that a charge flow's event carries the charge of its job.
fn check_charge(input: &ChargeEvent, charge: &stripe_client::Charge) -> Result<(), StepError> {
    if charge.id == input.charge_id {
        Ok(())
    } else {
        Err(StepError::permanent(format!(
            "the job of charge {} carries an event about charge {}",
            input.charge_id, charge.id
        )))
    }
}
